from flask import Flask
app = Flask(__name__)
app.config['SECRET_KEY'] = 'PYXcM4LSan20UvfcFvj2b8Jp'
