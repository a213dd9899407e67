# terraform test, offline: the optional parts (custom domain, WAF, logs, price class), the default
# rendition, and the variables' validation.

mock_provider "aws" {
  mock_data "aws_caller_identity" {
    defaults = { account_id = "123456789012" }
  }
  mock_data "aws_partition" {
    defaults = { partition = "aws" }
  }
  mock_resource "aws_cloudfront_distribution" {
    defaults = { arn = "arn:aws:cloudfront::123456789012:distribution/E2THUMBS0EXAMPLE", domain_name = "d111111abcdef8.cloudfront.net" }
  }
  mock_resource "aws_cloudfront_function" {
    defaults = { arn = "arn:aws:cloudfront::123456789012:function/thumbs-viewer-request" }
  }
  mock_resource "aws_lambda_function_url" {
    defaults = { function_url = "https://abcdefghijklmnopqrstuvwxyz012345.lambda-url.eu-west-1.on.aws/" }
  }
}

override_data {
  target = data.terraform_remote_state.dependencies
  values = {
    outputs = { thumbnail_bucket = "thumbs-thumbnails-123456789012-eu-west-1", thumbnail_prefix = "thumbs/", source_prefix = "" }
  }
}

override_data {
  target = data.terraform_remote_state.lambda
  values = {
    outputs = { function_name = "thumbs", alias_name = "live" }
  }
}

override_data {
  target = data.aws_lambda_function.live
  values = {
    environment = [{ variables = { THUMBNAIL_FORMAT = "webp" } }]
  }
}

variables {
  project_name = "thumbs"
  aws_region   = "eu-west-1"
}

run "without_renditions_the_implicit_thumbnail_rendition_keeps_the_bare_prefix" {
  command = apply

  assert {
    condition = jsonencode(output.renditions) == jsonencode({
      sourcePrefix = ""
      maxKeyBytes  = 1024
      renditions   = { thumbnail = { keyPrefix = "thumbs/", formats = ["webp"] } }
    })
    error_message = "No RENDITIONS: one rendition, thumbnail, under THUMBNAIL_PREFIX itself, in THUMBNAIL_FORMAT."
  }
}

run "a_custom_domain_waf_logs_and_price_class_are_passed_through" {
  command = plan

  variables {
    aliases             = ["img.example.com"]
    acm_certificate_arn = "arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-4e5f-6789-abcd-ef0123456789"
    web_acl_arn         = "arn:aws:wafv2:us-east-1:123456789012:global/webacl/thumbs/0a1b2c3d-4e5f-6789-abcd-ef0123456789"
    access_logs_bucket  = "thumbs-logs.s3.amazonaws.com"
    price_class         = "PriceClass_All"
  }

  assert {
    condition = (
      aws_cloudfront_distribution.this.aliases == toset(["img.example.com"]) &&
      aws_cloudfront_distribution.this.viewer_certificate[0].acm_certificate_arn == "arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-4e5f-6789-abcd-ef0123456789" &&
      aws_cloudfront_distribution.this.viewer_certificate[0].ssl_support_method == "sni-only" &&
      aws_cloudfront_distribution.this.viewer_certificate[0].minimum_protocol_version == "TLSv1.2_2021" &&
      !aws_cloudfront_distribution.this.viewer_certificate[0].cloudfront_default_certificate
    )
    error_message = "Aliases are served with their ACM certificate over SNI, TLS 1.2 at least."
  }
  assert {
    condition = (
      aws_cloudfront_distribution.this.web_acl_id == "arn:aws:wafv2:us-east-1:123456789012:global/webacl/thumbs/0a1b2c3d-4e5f-6789-abcd-ef0123456789" &&
      aws_cloudfront_distribution.this.logging_config[0].bucket == "thumbs-logs.s3.amazonaws.com" &&
      aws_cloudfront_distribution.this.logging_config[0].prefix == "cloudfront/" &&
      aws_cloudfront_distribution.this.price_class == "PriceClass_All"
    )
    error_message = "The WAF ACL, the log bucket and the price class are the ones given."
  }
}

run "aliases_without_a_certificate_are_refused" {
  command = plan

  variables {
    aliases = ["img.example.com"]
  }

  expect_failures = [aws_cloudfront_distribution.this]
}

run "bad_values_are_refused" {
  command = plan

  variables {
    price_class         = "PriceClass_300"
    aliases             = ["Not A Domain"]
    acm_certificate_arn = "arn:aws:acm:eu-west-1:123456789012:certificate/0a1b2c3d-4e5f-6789-abcd-ef0123456789"
    web_acl_arn         = "arn:aws:wafv2:us-east-1:123456789012:regional/webacl/thumbs/0a1b2c3d-4e5f-6789-abcd-ef0123456789"
    access_logs_bucket  = "https://logs"
    access_logs_prefix  = "/logs"
    cache_policy_id     = "CachingOptimized"
  }

  expect_failures = [
    var.price_class, var.aliases, var.acm_certificate_arn, var.web_acl_arn, var.access_logs_bucket,
    var.access_logs_prefix, var.cache_policy_id,
  ]
}
