# --- Optional: deployment from GitHub Actions with OIDC, no long-lived keys ---------------------------

locals {
  github_enabled     = var.github_repository != null
  github_oidc_host   = "token.actions.githubusercontent.com"
  create_oidc        = local.github_enabled && var.github_oidc_provider_arn == null
  oidc_provider_arn  = local.create_oidc ? aws_iam_openid_connect_provider.github[0].arn : var.github_oidc_provider_arn
  ecr_repository_arn = "arn:${local.partition}:ecr:${local.region}:${local.account_id}:repository/${var.project_name}"
  # Where npm run deploy keeps its smoke-test image (src/tools/deploy/smokeTest.ts), and where its thumbnail goes.
  canary_prefix = "${var.source_prefix}thumbnailer-canary/"

  deploy_statements = concat(
    [
      {
        # GetAuthorizationToken takes no resource: AWS defines it only for "*". It grants nothing by
        # itself; the push rights below are for this one repository.
        Sid      = "EcrLogin"
        Effect   = "Allow"
        Action   = ["ecr:GetAuthorizationToken"]
        Resource = ["*"]
      },
      {
        Sid    = "PushImages"
        Effect = "Allow"
        Action = [
          "ecr:BatchCheckLayerAvailability",
          "ecr:BatchGetImage",
          "ecr:CompleteLayerUpload",
          "ecr:DescribeImages",
          "ecr:GetDownloadUrlForLayer",
          "ecr:InitiateLayerUpload",
          "ecr:PutImage",
          "ecr:UploadLayerPart",
        ]
        Resource = [local.ecr_repository_arn]
      },
      {
        # npm run deploy: update the code, publish a version, invoke it (the smoke test), and move the live
        # and previous aliases that terraform/lambda created. It never creates or deletes anything.
        Sid    = "DeployFunction"
        Effect = "Allow"
        Action = [
          "lambda:GetAlias",
          "lambda:GetFunction",
          "lambda:GetFunctionConfiguration",
          "lambda:InvokeFunction",
          "lambda:PublishVersion",
          "lambda:UpdateAlias",
          "lambda:UpdateFunctionCode",
        ]
        Resource = [local.function_arn, "${local.function_arn}:*"]
      },
      {
        # The smoke test uploads the canary image once, and reads the thumbnail the new version makes of it.
        Sid      = "SmokeTestCanary"
        Effect   = "Allow"
        Action   = ["s3:GetObject", "s3:PutObject"]
        Resource = ["${local.source_bucket_arn}/${local.canary_prefix}*"]
      },
      {
        Sid      = "SmokeTestThumbnail"
        Effect   = "Allow"
        Action   = ["s3:GetObject"]
        Resource = ["${local.thumbnail_bucket_arn}/${var.thumbnail_prefix}${local.canary_prefix}*"]
      },
    ],
    local.bucket_key_statements,
  )
}

# One per account and URL: pass github_oidc_provider_arn when the account already has it.
resource "aws_iam_openid_connect_provider" "github" {
  count = local.create_oidc ? 1 : 0

  url            = "https://${local.github_oidc_host}"
  client_id_list = ["sts.amazonaws.com"]
  # IAM no longer checks these for GitHub (it trusts its CA), but older API versions require a value.
  thumbprint_list = ["6938fd4d98bab03faadb97b34396831e3780aea1", "1c58a3a8518e8759bf075b76b750d4f2df264fcd"]
}

resource "aws_iam_role" "deploy" {
  count = local.github_enabled ? 1 : 0

  name = "${var.project_name}-github-deploy"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Federated = local.oidc_provider_arn }
      Action    = "sts:AssumeRoleWithWebIdentity"
      Condition = {
        StringEquals = {
          "${local.github_oidc_host}:aud" = "sts.amazonaws.com"
          "${local.github_oidc_host}:sub" = "repo:${var.github_repository}:ref:refs/heads/main"
        }
      }
    }]
  })
}

resource "aws_iam_role_policy" "deploy" {
  count = local.github_enabled ? 1 : 0

  name   = "deploy"
  role   = aws_iam_role.deploy[0].id
  policy = jsonencode({ Version = "2012-10-17", Statement = local.deploy_statements })
}
