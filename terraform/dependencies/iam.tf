# --- The function's execution role: exactly what the handler does, on exactly these resources -------

locals {
  # Both roles read or write bucket objects; with a customer-managed key, that takes the key too.
  bucket_key_statements = var.kms_key_arn == null ? [] : [{
    Sid      = "UseBucketKey"
    Effect   = "Allow"
    Action   = ["kms:Decrypt", "kms:GenerateDataKey"]
    Resource = [var.kms_key_arn]
  }]

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
