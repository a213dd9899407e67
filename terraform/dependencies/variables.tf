variable "project_name" {
  description = "Prefix of every name this project creates (buckets, repository, queue, roles, function by default)."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,30}[a-z0-9]$", var.project_name))
    error_message = "project_name must be 3 to 32 characters: lowercase letters, digits and hyphens, starting with a letter."
  }
}

variable "aws_region" {
  description = "AWS region to deploy to, such as us-east-1."
  type        = string

  validation {
    condition     = can(regex("^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-[0-9]$", var.aws_region))
    error_message = "aws_region must be an AWS region name such as us-east-1."
  }
}

variable "function_name" {
  description = "Name of the Lambda function (created by the lambda stack). Defaults to project_name."
  type        = string
  default     = null

  validation {
    condition     = var.function_name == null || can(regex("^[A-Za-z0-9_-]{1,64}$", var.function_name))
    error_message = "function_name must be 1 to 64 letters, digits, hyphens or underscores."
  }
}

variable "source_bucket_name" {
  description = "Name of the bucket images are uploaded to. Defaults to <project>-uploads-<account>-<region>."
  type        = string
  default     = null

  validation {
    condition     = var.source_bucket_name == null || can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.source_bucket_name))
    error_message = "source_bucket_name must be a valid S3 bucket name."
  }
}

variable "thumbnail_bucket_name" {
  description = "Name of the bucket thumbnails are written to. Defaults to <project>-thumbnails-<account>-<region>."
  type        = string
  default     = null

  validation {
    condition     = var.thumbnail_bucket_name == null || can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.thumbnail_bucket_name))
    error_message = "thumbnail_bucket_name must be a valid S3 bucket name."
  }
}

variable "source_prefix" {
  description = "Only keys under this prefix are thumbnailed (and readable by the function). Empty: the whole bucket."
  type        = string
  default     = ""

  validation {
    condition     = !startswith(var.source_prefix, "/") && can(regex("^[^\\x00-\\x1f\\x7f*?]*$", var.source_prefix)) && length(var.source_prefix) <= 512
    error_message = "source_prefix must not start with \"/\" (S3 keeps it as part of the key), hold control characters, \"*\" or \"?\" (IAM wildcards), or exceed 512 characters."
  }
}

variable "thumbnail_prefix" {
  description = "Prefix of every thumbnail key (THUMBNAIL_PREFIX); the function may write only under it."
  type        = string
  default     = ""

  validation {
    condition     = !startswith(var.thumbnail_prefix, "/") && can(regex("^[^\\x00-\\x1f\\x7f*?]*$", var.thumbnail_prefix)) && length(var.thumbnail_prefix) <= 512
    error_message = "thumbnail_prefix must not start with \"/\" (S3 keeps it as part of the key), hold control characters, \"*\" or \"?\" (IAM wildcards), or exceed 512 characters."
  }
}

variable "kms_key_arn" {
  description = "KMS key for the buckets' server-side encryption. Null: SSE-S3 (AES-256, no key to manage)."
  type        = string
  default     = null

  validation {
    condition     = var.kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/.+$", var.kms_key_arn))
    error_message = "kms_key_arn must be the ARN of a KMS key."
  }
}

variable "force_destroy" {
  description = "Let `terraform destroy` delete the buckets (with every object version in them) and the repository (with its images). On by default so that scripts/destroyAll.sh leaves nothing behind; turn it off to protect production data."
  type        = bool
  default     = true
}

variable "event_bus_name" {
  description = "EventBridge bus the function publishes its completion events on (docs/events.md): `default` (the account's default bus) or the name of a bus in this account and region. Null: no events, and no events:PutEvents grant."
  type        = string
  default     = "default"

  validation {
    condition     = var.event_bus_name == null || can(regex("^[A-Za-z0-9._-]{1,256}$", var.event_bus_name))
    error_message = "event_bus_name must be an event bus name (letters, digits, \".\", \"_\", \"-\"; at most 256), not an ARN."
  }
}

variable "metadata_table" {
  description = "Create the DynamoDB metadata table (one item per source object, docs/events.md): on-demand, point-in-time recovery and encryption on. Off: no table and no DynamoDB grant."
  type        = bool
  default     = false
}

variable "metadata_table_deletion_protection" {
  description = "Deletion protection on the metadata table. Off by default, like force_destroy's buckets, so that scripts/destroyAll.sh leaves nothing behind; turn it on to protect production data (then set it off and apply before destroying)."
  type        = bool
  default     = false
}

variable "source_noncurrent_version_days" {
  description = "Days an overwritten or deleted upload's old version is kept in the versioned source bucket."
  type        = number
  default     = 30

  validation {
    condition     = var.source_noncurrent_version_days >= 1 && var.source_noncurrent_version_days <= 3650 && floor(var.source_noncurrent_version_days) == var.source_noncurrent_version_days
    error_message = "source_noncurrent_version_days must be a whole number from 1 to 3650."
  }
}

variable "ecr_keep_images" {
  description = "How many images the repository keeps; older ones expire (the running one is always among the newest)."
  type        = number
  default     = 20

  validation {
    condition     = var.ecr_keep_images >= 1 && var.ecr_keep_images <= 1000 && floor(var.ecr_keep_images) == var.ecr_keep_images
    error_message = "ecr_keep_images must be a whole number from 1 to 1000."
  }
}

variable "log_retention_days" {
  description = "Days CloudWatch keeps the function's logs."
  type        = number
  default     = 30

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be a CloudWatch Logs retention value: 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288 or 3653."
  }
}

variable "github_repository" {
  description = "GitHub repository (owner/name) allowed to deploy through OIDC from its main branch. Null: no deploy role."
  type        = string
  default     = null

  validation {
    condition     = var.github_repository == null || can(regex("^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$", var.github_repository))
    error_message = "github_repository must look like owner/name."
  }
}

variable "github_oidc_provider_arn" {
  description = "ARN of an existing GitHub OIDC provider in the account (one per account). Null: create it."
  type        = string
  default     = null

  validation {
    condition     = var.github_oidc_provider_arn == null || can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:oidc-provider/token\\.actions\\.githubusercontent\\.com$", var.github_oidc_provider_arn))
    error_message = "github_oidc_provider_arn must be the ARN of the token.actions.githubusercontent.com OIDC provider."
  }
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}

variable "delivery_distribution_arn" {
  description = "The delivery stack's CloudFront distribution (its distribution_arn output), which alone may read the thumbnail bucket. Null: no distribution reads it. The bucket has one policy, owned by this stack, so the delivery stack hands this back instead of writing its own (docs/delivery.md)."
  type        = string
  default     = null

  validation {
    condition     = var.delivery_distribution_arn == null || can(regex("^arn:aws[a-z-]*:cloudfront::[0-9]{12}:distribution/[A-Z0-9]+$", var.delivery_distribution_arn))
    error_message = "delivery_distribution_arn must be a CloudFront distribution ARN: arn:aws:cloudfront::<account>:distribution/<ID>."
  }
}

variable "cdn_invalidations" {
  description = "With delivery_distribution_arn: the function may invalidate that distribution's cached renditions when an original is overwritten or deleted (cloudfront:CreateInvalidation on it alone), and the lambda stack sets CDN_DISTRIBUTION_ID. False: renditions stay cached for their max-age (docs/delivery.md#freshness)."
  type        = bool
  default     = true
  nullable    = false
}
