# --- The function's execution role: exactly what the handler does, on exactly these resources -------

locals {
  # Both roles read or write bucket objects; with a customer-managed key, that takes the key too.
  bucket_key_statements = var.kms_key_arn == null ? [] : [{
    Sid      = "UseBucketKey"
    Effect   = "Allow"
    Action   = ["kms:Decrypt", "kms:GenerateDataKey"]
    Resource = [var.kms_key_arn]
  }]

  # The bus completion events go to; the table holding what was made, when there is one.
  event_bus_arn      = var.event_bus_name == null ? null : "arn:${local.partition}:events:${local.region}:${local.account_id}:event-bus/${var.event_bus_name}"
  metadata_table_arn = "arn:${local.partition}:dynamodb:${local.region}:${local.account_id}:table/${local.metadata_table}"

  event_statements = var.event_bus_name == null ? [] : [{
    Sid      = "PublishCompletionEvents"
    Effect   = "Allow"
    Action   = ["events:PutEvents"]
    Resource = [local.event_bus_arn]
  }]
  metadata_statements = var.metadata_table ? [{
    Sid      = "KeepMetadata"
    Effect   = "Allow"
    Action   = ["dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:PutItem"]
    Resource = [local.metadata_table_arn]
  }] : []

  # The delivery stack's distribution, whose cached renditions the function invalidates (docs/delivery.md).
  invalidates_cdn = var.delivery_distribution_arn != null && var.cdn_invalidations
  invalidation_statements = local.invalidates_cdn ? [{
    Sid      = "InvalidateDeliveredRenditions"
    Effect   = "Allow"
    Action   = ["cloudfront:CreateInvalidation"]
    Resource = [var.delivery_distribution_arn]
  }] : []

  execution_statements = concat(
    [
      {
        Sid      = "ReadUploads"
        Effect   = "Allow"
        Action   = ["s3:GetObject"]
        Resource = ["${local.source_bucket_arn}/${var.source_prefix}*"]
      },
      {
        # GetObject too: the handler reads a thumbnail's stamp (HeadObject) to skip work already done.
        Sid      = "WriteAndCheckThumbnails"
        Effect   = "Allow"
        Action   = ["s3:GetObject", "s3:PutObject"]
        Resource = ["${local.thumbnail_bucket_arn}/${var.thumbnail_prefix}*"]
      },
      {
        # Thumbnails follow their original: deleted with it, or when an overwrite is refused.
        Sid      = "RemoveThumbnails"
        Effect   = "Allow"
        Action   = ["s3:DeleteObject"]
        Resource = ["${local.thumbnail_bucket_arn}/${var.thumbnail_prefix}*"]
      },
      merge(
        {
          # So that a deleted upload reads as 404, not 403 (which is never taken for a delete), listing
          # only under the source prefix.
          Sid      = "TellDeletedUploads"
          Effect   = "Allow"
          Action   = ["s3:ListBucket"]
          Resource = [local.source_bucket_arn]
        },
        var.source_prefix == "" ? {} : { Condition = { StringLike = { "s3:prefix" = ["${var.source_prefix}*"] } } },
      ),
      {
        Sid      = "WriteOwnLogs"
        Effect   = "Allow"
        Action   = ["logs:CreateLogStream", "logs:PutLogEvents"]
        Resource = ["${local.log_group_arn}:*"]
      },
      {
        # Lambda sends events that exhausted their retries with the function's own role.
        Sid      = "DeadLetter"
        Effect   = "Allow"
        Action   = ["sqs:SendMessage"]
        Resource = [local.dead_letter_arn]
      },
    ],
    local.bucket_key_statements,
    local.event_statements,
    local.metadata_statements,
    local.invalidation_statements,
  )
}

resource "aws_iam_role" "execution" {
  name = "${var.project_name}-execution"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "lambda.amazonaws.com" }
      Action    = "sts:AssumeRole"
      Condition = { StringEquals = { "aws:SourceAccount" = local.account_id } }
    }]
  })
}

# Inline, so that the role and its permissions live and die together; no managed policy, and never
# aws_iam_policy_attachment, which owns a policy's attachments account-wide.
resource "aws_iam_role_policy" "execution" {
  name   = "thumbnailer"
  role   = aws_iam_role.execution.id
  policy = jsonencode({ Version = "2012-10-17", Statement = local.execution_statements })
}
