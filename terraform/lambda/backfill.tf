# Backfill (npm run backfill, docs/backfill.md): the role an S3 Batch Operations job runs with, and the
# cap on how fast the function may spend. The job invokes one published version of the function (the
# one live serves when the job is created), reads the manifest backfill uploads and writes its
# completion report, both under one prefix of the thumbnail bucket (src/tools/backfill/locations.ts).

locals {
  # arn:aws:s3 (or another partition's), taken from an ARN the dependencies stack made.
  s3_arn           = split(":::", local.deps.source_bucket_arn)[0]
  partition        = split(":", local.deps.source_bucket_arn)[1]
  thumbnail_bucket = "${local.s3_arn}:::${local.deps.thumbnail_bucket}"
  backfill_prefix  = "thumbnailer-backfill"
  # Every published version (function:name:N) and alias: never the unqualified function.
  function_versions = "arn:${local.partition}:lambda:${var.aws_region}:${local.deps.account_id}:function:${local.deps.function_name}:*"
}

locals {
  backfill_statements = [
    {
      Sid      = "InvokeFunctionVersions"
      Effect   = "Allow"
      Action   = ["lambda:InvokeFunction"]
      Resource = [local.function_versions]
    },
    {
      Sid      = "ReadManifests"
      Effect   = "Allow"
      Action   = ["s3:GetObject", "s3:GetObjectVersion"]
      Resource = ["${local.thumbnail_bucket}/${local.backfill_prefix}/manifests/*"]
    },
    {
      # The manifest generator lists the source bucket with the job's role: the source prefix only.
      Sid       = "ListSourcePrefix"
      Effect    = "Allow"
      Action    = ["s3:ListBucket"]
      Resource  = [local.deps.source_bucket_arn]
      Condition = { StringLike = { "s3:prefix" = ["${local.deps.source_prefix}*"] } }
    },
    {
      Sid      = "WriteReports"
      Effect   = "Allow"
      Action   = ["s3:PutObject"]
      Resource = ["${local.thumbnail_bucket}/${local.backfill_prefix}/reports/*"]
    },
  ]
}

resource "aws_iam_role" "backfill" {
  name        = "${var.project_name}-backfill"
  description = "What S3 Batch Operations backfill jobs run as: invoke the function's versions, read backfill manifests, write reports."
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "batchoperations.s3.amazonaws.com" }
      Action    = "sts:AssumeRole"
      Condition = { StringEquals = { "aws:SourceAccount" = local.deps.account_id } }
    }]
  })
  tags = var.tags
}

resource "aws_iam_role_policy" "backfill" {
  name   = "backfill"
  role   = aws_iam_role.backfill.id
  policy = jsonencode({ Version = "2012-10-17", Statement = local.backfill_statements })
}
