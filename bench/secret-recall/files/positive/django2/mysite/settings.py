from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent

SECRET_KEY = 'django-insecure-qh=2^9je)xs^0d9vn=w2_ft8!_qt5fwq)flic+kv3eq+6pkmix'

DEBUG = False
