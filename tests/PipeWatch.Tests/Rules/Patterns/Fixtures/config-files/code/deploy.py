import ftplib
ftp = ftplib.FTP('ftp.example.com')
ftp.login("deploy", "jrbgQ^er4X9")
DB_PASSWORD = 'pkXBT#2QyCo'
password = os.environ['DB_PASSWORD']
