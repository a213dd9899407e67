# Everything the function depends on and that outlives any one version of it: storage, the image
# repository, the dead-letter queue, the log group and the roles. The lambda stack reads the outputs.

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}

locals {
  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition
  region     = data.aws_region.current.name

  function_name    = coalesce(var.function_name, var.project_name)
  source_bucket    = coalesce(var.source_bucket_name, "${var.project_name}-uploads-${local.account_id}-${local.region}")
  thumbnail_bucket = coalesce(var.thumbnail_bucket_name, "${var.project_name}-thumbnails-${local.account_id}-${local.region}")

  # ARNs are spelt out from names, so that every policy below is exact and reviewable in the plan.
  source_bucket_arn    = "arn:${local.partition}:s3:::${local.source_bucket}"
  thumbnail_bucket_arn = "arn:${local.partition}:s3:::${local.thumbnail_bucket}"
  function_arn         = "arn:${local.partition}:lambda:${local.region}:${local.account_id}:function:${local.function_name}"
  log_group_name       = "/aws/lambda/${local.function_name}"
  log_group_arn        = "arn:${local.partition}:logs:${local.region}:${local.account_id}:log-group:${local.log_group_name}"
  dead_letter_queue    = "${var.project_name}-dead-letters"
  metadata_table       = "${var.project_name}-metadata"
  dead_letter_arn      = "arn:${local.partition}:sqs:${local.region}:${local.account_id}:${local.dead_letter_queue}"

  buckets = {
    source    = local.source_bucket
    thumbnail = local.thumbnail_bucket
  }
  bucket_arns = {
    source    = local.source_bucket_arn
    thumbnail = local.thumbnail_bucket_arn
  }
}

# --- Buckets: private, owner-enforced, encrypted, TLS only -------------------------------------------

resource "aws_s3_bucket" "this" {
  for_each = local.buckets

  bucket        = each.value
  force_destroy = var.force_destroy
}

resource "aws_s3_bucket_public_access_block" "this" {
  for_each = aws_s3_bucket.this

  bucket                  = each.value.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_ownership_controls" "this" {
  for_each = aws_s3_bucket.this

  bucket = each.value.id
  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "this" {
  for_each = aws_s3_bucket.this

  bucket = each.value.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = var.kms_key_arn == null ? "AES256" : "aws:kms"
      kms_master_key_id = var.kms_key_arn
    }
    # Fewer KMS requests, and so a smaller bill, when a key is used.
    bucket_key_enabled = var.kms_key_arn != null
  }
}

resource "aws_s3_bucket_policy" "tls_only" {
  for_each = aws_s3_bucket.this

  bucket = each.value.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = concat([{
      Sid       = "DenyInsecureTransport"
      Effect    = "Deny"
      Principal = "*"
      Action    = "s3:*"
      Resource  = [local.bucket_arns[each.key], "${local.bucket_arns[each.key]}/*"]
      Condition = { Bool = { "aws:SecureTransport" = "false" } }
      }],
      # The delivery stack's distribution, and no other, reads thumbnails (its OAC signs every request).
      # No s3:ListBucket: a missing key answers 403, which the distribution fails over on like a 404.
      each.key == "thumbnail" && var.delivery_distribution_arn != null ? [{
        Sid       = "ReadThroughDeliveryDistribution"
        Effect    = "Allow"
        Principal = { Service = "cloudfront.amazonaws.com" }
        Action    = "s3:GetObject"
        Resource  = "${local.thumbnail_bucket_arn}/${var.thumbnail_prefix}*"
        Condition = { StringEquals = { "AWS:SourceArn" = var.delivery_distribution_arn } }
    }] : [])
  })

  # S3 refuses a bucket policy while the public access block is being changed.
  depends_on = [aws_s3_bucket_public_access_block.this]
}

# Uploads are versioned, so an overwrite or a deletion can be undone for a while.
resource "aws_s3_bucket_versioning" "source" {
  bucket = aws_s3_bucket.this["source"].id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "source" {
  bucket = aws_s3_bucket.this["source"].id

  rule {
    id     = "expire-old-versions"
    status = "Enabled"
    filter {}
    noncurrent_version_expiration {
      noncurrent_days = var.source_noncurrent_version_days
    }
    abort_incomplete_multipart_upload {
      days_after_initiation = 7
    }
  }

  depends_on = [aws_s3_bucket_versioning.source]
}
