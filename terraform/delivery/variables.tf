variable "project_name" {
  description = "Prefix of the names this stack creates; the same value as in the other two stacks."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,30}[a-z0-9]$", var.project_name))
    error_message = "project_name must be 3 to 32 characters: lowercase letters, digits and hyphens, starting with a letter."
  }
}

variable "aws_region" {
  description = "AWS region of the other two stacks."
  type        = string

  validation {
    condition     = can(regex("^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-[0-9]$", var.aws_region))
    error_message = "aws_region must be an AWS region name such as us-east-1."
  }
}

variable "dependencies_state_path" {
  description = "Path of the dependencies stack's state file (local backend)."
  type        = string
  default     = "../dependencies/terraform.tfstate"
}

variable "lambda_state_path" {
  description = "Path of the lambda stack's state file (local backend)."
  type        = string
  default     = "../lambda/terraform.tfstate"
}

variable "on_demand" {
  description = "Fail over from S3 (403 or 404) to the function's URL, which makes a missing configured rendition of an existing original on its first request and stores it (docs/delivery.md). Off: a missing rendition is S3's 403."
  type        = bool
  default     = true
}

variable "price_class" {
  description = "Which edge locations serve the distribution: PriceClass_100 (North America, Europe), PriceClass_200 (and most of Asia, the Middle East, Africa) or PriceClass_All."
  type        = string
  default     = "PriceClass_100"

  validation {
    condition     = contains(["PriceClass_100", "PriceClass_200", "PriceClass_All"], var.price_class)
    error_message = "price_class must be PriceClass_100, PriceClass_200 or PriceClass_All."
  }
}

variable "aliases" {
  description = "Custom domain names (CNAMEs) of the distribution; each needs acm_certificate_arn to cover it. Empty: only the cloudfront.net name."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for alias in var.aliases : can(regex("^(\\*\\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)+[a-z]{2,63}$", alias))])
    error_message = "aliases must be lower-case domain names such as img.example.com (a leading *. is allowed)."
  }
}

variable "acm_certificate_arn" {
  description = "ACM certificate (in us-east-1, as CloudFront requires) for the aliases. Required when aliases are set."
  type        = string
  default     = null

  validation {
    condition     = var.acm_certificate_arn == null || can(regex("^arn:aws[a-z-]*:acm:us-east-1:[0-9]{12}:certificate/[0-9a-f-]{36}$", var.acm_certificate_arn))
    error_message = "acm_certificate_arn must be an ACM certificate ARN in us-east-1: arn:aws:acm:us-east-1:<account>:certificate/<id>."
  }
}

variable "web_acl_arn" {
  description = "AWS WAF (v2) web ACL to attach, of scope CLOUDFRONT. Null: none."
  type        = string
  default     = null

  validation {
    condition     = var.web_acl_arn == null || can(regex("^arn:aws[a-z-]*:wafv2:us-east-1:[0-9]{12}:global/webacl/[A-Za-z0-9_-]{1,128}/[0-9a-f-]{36}$", var.web_acl_arn))
    error_message = "web_acl_arn must be a WAFv2 web ACL ARN of CLOUDFRONT scope: arn:aws:wafv2:us-east-1:<account>:global/webacl/<name>/<id>."
  }
}

variable "access_logs_bucket" {
  description = "Bucket for CloudFront's standard access logs, by its domain name (<bucket>.s3.amazonaws.com; it must allow ACLs). Null: no access logs."
  type        = string
  default     = null

  validation {
    condition     = var.access_logs_bucket == null || can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]\\.s3(\\.[a-z0-9-]+)?\\.amazonaws\\.com$", var.access_logs_bucket))
    error_message = "access_logs_bucket must be a bucket's domain name, such as my-logs.s3.amazonaws.com."
  }
}

variable "access_logs_prefix" {
  description = "Prefix of the access log objects."
  type        = string
  default     = "cloudfront/"

  validation {
    condition     = !startswith(var.access_logs_prefix, "/")
    error_message = "access_logs_prefix must not start with \"/\"."
  }
}

variable "cache_policy_id" {
  description = "Cache policy of the distribution. Default: AWS's managed CachingOptimizedForUncompressedObjects (no headers, cookies or query strings in the cache key; images are never compressed)."
  type        = string
  default     = "b2884449-e4de-46a7-ac36-70bc7f1ddd6d"

  validation {
    condition     = can(regex("^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", var.cache_policy_id))
    error_message = "cache_policy_id must be a CloudFront policy ID (a UUID)."
  }
}

variable "response_headers_policy_id" {
  description = "Response headers policy. Default: AWS's managed CORS-and-SecurityHeadersPolicy (Access-Control-Allow-Origin: *, HSTS, nosniff, frame options, referrer policy)."
  type        = string
  default     = "e61eb60c-9c35-4d20-a928-2b84e02af89c"

  validation {
    condition     = can(regex("^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", var.response_headers_policy_id))
    error_message = "response_headers_policy_id must be a CloudFront policy ID (a UUID)."
  }
}

variable "tags" {
  description = "Tags added to every resource (the provider's default_tags)."
  type        = map(string)
  default     = {}
}
