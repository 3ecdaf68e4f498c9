import os

SECRET_KEY = 'bl9#Sq(4wsq)oc!GLGLtrB@O-uk@20E2b-fIW+_Tgk5wm4GNPz'
DEBUG = False
DATABASES = {'default': {'ENGINE': 'django.db.backends.postgresql', 'PASSWORD': os.environ['DB_PASSWORD']}}
