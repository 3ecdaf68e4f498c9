region       = "eu-west-1"
environment  = "production"
github_owner = "acme"
# github_token comes from TF_VAR_github_token
