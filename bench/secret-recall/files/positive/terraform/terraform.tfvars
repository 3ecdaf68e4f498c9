region       = "eu-west-1"
environment  = "production"
github_owner = "acme"
github_token = "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"
