def connect(user, password):
    client.login(user, password)
    password = getpass.getpass()
