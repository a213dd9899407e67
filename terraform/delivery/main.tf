# Delivery: a CloudFront distribution in front of the thumbnail bucket, the viewer-request function that
# picks each browser's format, and (on_demand) the function's URL as a failover origin that makes a
# missing rendition on its first request. docs/delivery.md explains the URL scheme and the choices.

data "terraform_remote_state" "dependencies" {
  backend = "local"
  config = {
    path = var.dependencies_state_path
  }
}

data "terraform_remote_state" "lambda" {
  backend = "local"
  config = {
    path = var.lambda_state_path
  }
}

# The function as it runs behind its alias: the renditions it makes are in its environment, so the table
# below follows what is deployed, not a second copy of the configuration.
data "aws_lambda_function" "live" {
  function_name = local.lambda.function_name
  qualifier     = local.lambda.alias_name
}

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}

data "aws_s3_bucket" "thumbnails" {
  bucket = local.deps.thumbnail_bucket
}

locals {
  deps   = data.terraform_remote_state.dependencies.outputs
  lambda = data.terraform_remote_state.lambda.outputs

  environment      = try(data.aws_lambda_function.live.environment[0].variables, {})
  thumbnail_prefix = local.deps.thumbnail_prefix
  configured       = try(jsondecode(local.environment["RENDITIONS"]), null)
  # The renditions' key prefixes as docs/configuration.md states them: `<prefix><name>/` for each named
  # rendition; without RENDITIONS, the one implicit rendition `thumbnail` keeps the bare prefix.
  renditions = local.configured == null ? [{
    name      = "thumbnail"
    keyPrefix = local.thumbnail_prefix
    formats   = [lookup(local.environment, "THUMBNAIL_FORMAT", "jpeg")]
    }] : [for rendition in local.configured : {
    name      = tostring(rendition.name)
    keyPrefix = "${local.thumbnail_prefix}${rendition.name}/"
    formats   = [for format in try(rendition.formats, ["jpeg"]) : tostring(format)]
  }]
  table = {
    sourcePrefix = local.deps.source_prefix
    maxKeyBytes  = 1024
    renditions   = { for rendition in local.renditions : rendition.name => { keyPrefix = rendition.keyPrefix, formats = rendition.formats } }
  }

  table_token = "'__THUMBNAILER_DELIVERY_TABLE__'"
  source_code = file("${path.module}/viewer-request.js")
  # ES 5.1 ends a string literal at U+2028 and U+2029; JSON leaves them raw.
  table_json    = replace(replace(jsonencode(local.table), "\u2028", "\\u2028"), "\u2029", "\\u2029")
  function_code = replace(local.source_code, local.table_token, local.table_json)

  s3_origin_id        = "thumbnails"
  on_demand_origin_id = "on-demand"
  group_origin_id     = "thumbnails-then-on-demand"
  function_url_domain = var.on_demand ? split("/", aws_lambda_function_url.on_demand[0].function_url)[2] : null
  first_rendition     = local.renditions[0].name
  # Spelt out from the ID, as AWS forms it (every emulator does not), so permissions and the bucket
  # policy name exactly this distribution.
  distribution_arn = "arn:${data.aws_partition.current.partition}:cloudfront::${data.aws_caller_identity.current.account_id}:distribution/${aws_cloudfront_distribution.this.id}"
}

resource "aws_cloudfront_function" "viewer_request" {
  name    = "${var.project_name}-viewer-request"
  runtime = "cloudfront-js-2.0"
  comment = "Maps /<rendition>[.<ext>]/<source key> to the stored rendition (docs/delivery.md)"
  publish = true
  code    = local.function_code

  lifecycle {
    precondition {
      condition     = strcontains(local.source_code, local.table_token)
      error_message = "viewer-request.js has no ${local.table_token} token to put the rendition table in."
    }
    precondition {
      condition     = length(local.function_code) <= 10240
      error_message = "The viewer-request function with its table is over CloudFront's 10 KB limit: configure fewer renditions."
    }
  }
}

resource "aws_cloudfront_origin_access_control" "thumbnails" {
  name                              = "${var.project_name}-thumbnails"
  description                       = "CloudFront reads the thumbnail bucket, signing every request."
  origin_access_control_origin_type = "s3"
  signing_behavior                  = "always"
  signing_protocol                  = "sigv4"
}

resource "aws_cloudfront_origin_access_control" "on_demand" {
  count = var.on_demand ? 1 : 0

  name                              = "${var.project_name}-on-demand"
  description                       = "CloudFront calls the function URL, signing every request."
  origin_access_control_origin_type = "lambda"
  signing_behavior                  = "always"
  signing_protocol                  = "sigv4"
}

# The URL of the live alias: only CloudFront may call it (AWS_IAM, and the two permissions below).
resource "aws_lambda_function_url" "on_demand" {
  count = var.on_demand ? 1 : 0

  function_name      = local.lambda.function_name
  qualifier          = local.lambda.alias_name
  authorization_type = "AWS_IAM"
}

# CloudFront's OAC needs both actions on the function; each only from this distribution.
resource "aws_lambda_permission" "on_demand" {
  for_each = var.on_demand ? {
    AllowCloudFrontInvokeFunctionUrl = "lambda:InvokeFunctionUrl"
    AllowCloudFrontInvokeFunction    = "lambda:InvokeFunction"
  } : {}

  statement_id           = each.key
  action                 = each.value
  function_name          = local.lambda.function_name
  qualifier              = local.lambda.alias_name
  principal              = "cloudfront.amazonaws.com"
  source_arn             = local.distribution_arn
  function_url_auth_type = each.value == "lambda:InvokeFunctionUrl" ? "AWS_IAM" : null
}
