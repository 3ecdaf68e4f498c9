import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
DEBUG = False
ALLOWED_HOSTS = ["shop.example.com"]

EMAIL_BACKEND = "sendgrid_backend.SendgridBackend"
SENDGRID_API_KEY = "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"
