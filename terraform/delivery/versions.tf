terraform {
  # 1.7 for `terraform test` with mock providers.
  required_version = ">= 1.7.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.80.0, < 6.0.0"
    }
  }
}

# Honours AWS_ENDPOINT_URL (moto, LocalStack) like every AWS tool; real AWS when it is unset. CloudFront is
# global; the function URL and the state it reads are in aws_region.
provider "aws" {
  region = var.aws_region

  default_tags {
    tags = merge({ Project = var.project_name, ManagedBy = "terraform", Stack = "delivery" }, var.tags)
  }
}
