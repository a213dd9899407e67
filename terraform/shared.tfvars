# Variables both stacks declare. Pass with -var-file=../shared.tfvars from either stack's folder.
project_name = "thumbnailer"
aws_region   = "us-east-1"
