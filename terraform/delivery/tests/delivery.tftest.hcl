# terraform test, offline: the AWS provider is mocked, the other stacks' outputs and the live function's
# environment are given.

mock_provider "aws" {
  mock_data "aws_caller_identity" {
    defaults = { account_id = "123456789012" }
  }
  mock_data "aws_partition" {
    defaults = { partition = "aws" }
  }
  mock_resource "aws_cloudfront_distribution" {
    defaults = {
      arn         = "arn:aws:cloudfront::123456789012:distribution/E2THUMBS0EXAMPLE"
      id          = "E2THUMBS0EXAMPLE"
      domain_name = "d111111abcdef8.cloudfront.net"
    }
  }
  mock_resource "aws_lambda_function_url" {
    defaults = { function_url = "https://abcdefghijklmnopqrstuvwxyz012345.lambda-url.eu-west-1.on.aws/" }
  }
  mock_resource "aws_cloudfront_function" {
    defaults = { arn = "arn:aws:cloudfront::123456789012:function/thumbs-viewer-request" }
  }
  mock_data "aws_s3_bucket" {
    defaults = { bucket_regional_domain_name = "thumbs-thumbnails-123456789012-eu-west-1.s3.eu-west-1.amazonaws.com" }
  }
}

override_data {
  target = data.terraform_remote_state.dependencies
  values = {
    outputs = {
      thumbnail_bucket = "thumbs-thumbnails-123456789012-eu-west-1"
      thumbnail_prefix = ""
      source_prefix    = "incoming/"
    }
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
    environment = [{ variables = {
      THUMBNAIL_BUCKET = "thumbs-thumbnails-123456789012-eu-west-1"
      RENDITIONS       = "[{\"name\":\"card\",\"width\":400,\"height\":300,\"formats\":[\"jpeg\",\"webp\",\"avif\"]},{\"name\":\"square\",\"width\":128,\"height\":128}]"
    } }]
  }
}

variables {
  project_name = "thumbs"
  aws_region   = "eu-west-1"
  # on_demand is left at its default, which is on.
}

run "the_distribution_is_https_only_http3_uncompressed_with_managed_policies" {
  command = apply

  assert {
    condition = (
      aws_cloudfront_distribution.this.default_cache_behavior[0].viewer_protocol_policy == "redirect-to-https" &&
      aws_cloudfront_distribution.this.http_version == "http2and3" &&
      aws_cloudfront_distribution.this.default_cache_behavior[0].compress == false &&
      aws_cloudfront_distribution.this.viewer_certificate[0].minimum_protocol_version == "TLSv1.2_2021" &&
      aws_cloudfront_distribution.this.price_class == "PriceClass_100"
    )
    error_message = "HTTP is redirected to HTTPS, TLS 1.2 at least, HTTP/2 and 3, images never compressed, PriceClass_100 by default."
  }
  assert {
    condition = (
      aws_cloudfront_distribution.this.default_cache_behavior[0].cache_policy_id == "b2884449-e4de-46a7-ac36-70bc7f1ddd6d" &&
      aws_cloudfront_distribution.this.default_cache_behavior[0].response_headers_policy_id == "e61eb60c-9c35-4d20-a928-2b84e02af89c" &&
      toset(aws_cloudfront_distribution.this.default_cache_behavior[0].allowed_methods) == toset(["GET", "HEAD"])
    )
    error_message = "AWS's managed CachingOptimizedForUncompressedObjects and CORS-and-SecurityHeadersPolicy; GET and HEAD only."
  }
  assert {
    condition = (
      aws_cloudfront_origin_access_control.thumbnails.origin_access_control_origin_type == "s3" &&
      aws_cloudfront_origin_access_control.thumbnails.signing_behavior == "always" &&
      aws_cloudfront_origin_access_control.thumbnails.signing_protocol == "sigv4" &&
      aws_cloudfront_origin_access_control.on_demand[0].origin_access_control_origin_type == "lambda" &&
      aws_cloudfront_origin_access_control.on_demand[0].signing_behavior == "always"
    )
    error_message = "Both origins are reached through Origin Access Control that signs every request with SigV4."
  }
  assert {
    condition     = length(aws_cloudfront_distribution.this.aliases) == 0 && aws_cloudfront_distribution.this.viewer_certificate[0].cloudfront_default_certificate
    error_message = "Without aliases the distribution uses its cloudfront.net name and certificate."
  }
  assert {
    condition     = length(aws_cloudfront_distribution.this.logging_config) == 0 && aws_cloudfront_distribution.this.web_acl_id == null
    error_message = "No access logs and no WAF unless asked for."
  }
}

run "on_demand_fails_over_from_s3_to_the_function_url_which_only_the_distribution_may_call" {
  command = apply

  assert {
    condition = (
      aws_cloudfront_distribution.this.default_cache_behavior[0].target_origin_id == "thumbnails-then-on-demand" &&
      one(aws_cloudfront_distribution.this.origin_group).failover_criteria[0].status_codes == toset([403, 404]) &&
      [for member in one(aws_cloudfront_distribution.this.origin_group).member : member.origin_id] == ["thumbnails", "on-demand"]
    )
    error_message = "Requests go to S3 first and, on 403 or 404, to the function URL."
  }
  assert {
    condition = (
      one([for origin in aws_cloudfront_distribution.this.origin : origin.domain_name if origin.origin_id == "on-demand"]) == "abcdefghijklmnopqrstuvwxyz012345.lambda-url.eu-west-1.on.aws" &&
      one([for origin in aws_cloudfront_distribution.this.origin : origin.custom_origin_config[0].origin_protocol_policy if origin.origin_id == "on-demand"]) == "https-only"
    )
    error_message = "The failover origin is the function URL's host, over HTTPS only."
  }
  assert {
    condition = (
      aws_lambda_function_url.on_demand[0].authorization_type == "AWS_IAM" &&
      aws_lambda_function_url.on_demand[0].qualifier == "live" &&
      aws_lambda_function_url.on_demand[0].function_name == "thumbs"
    )
    error_message = "The function URL is the live alias's, and needs SigV4 (AWS_IAM)."
  }
  assert {
    condition = alltrue([for permission in aws_lambda_permission.on_demand : (
      permission.principal == "cloudfront.amazonaws.com" &&
      permission.source_arn == "arn:aws:cloudfront::123456789012:distribution/E2THUMBS0EXAMPLE" &&
      permission.qualifier == "live"
    )]) && toset([for permission in aws_lambda_permission.on_demand : permission.action]) == toset(["lambda:InvokeFunctionUrl", "lambda:InvokeFunction"])
    error_message = "CloudFront may call the URL (InvokeFunctionUrl and InvokeFunction), and only from this distribution."
  }
  assert {
    condition     = aws_lambda_permission.on_demand["AllowCloudFrontInvokeFunctionUrl"].function_url_auth_type == "AWS_IAM"
    error_message = "The URL permission is for AWS_IAM calls."
  }
}

run "without_on_demand_there_is_no_function_url_and_s3_is_the_only_origin" {
  command = plan

  variables {
    on_demand = false
  }

  assert {
    condition = (
      length(aws_lambda_function_url.on_demand) == 0 && length(aws_lambda_permission.on_demand) == 0 &&
      length(aws_cloudfront_origin_access_control.on_demand) == 0 &&
      length(aws_cloudfront_distribution.this.origin_group) == 0 &&
      length(aws_cloudfront_distribution.this.origin) == 1 &&
      aws_cloudfront_distribution.this.default_cache_behavior[0].target_origin_id == "thumbnails"
    )
    error_message = "on_demand = false leaves only the bucket behind the distribution."
  }
}

run "the_viewer_function_gets_the_live_functions_renditions" {
  command = apply

  assert {
    condition = jsonencode(output.renditions) == jsonencode({
      sourcePrefix = "incoming/"
      maxKeyBytes  = 1024
      renditions = {
        card   = { keyPrefix = "card/", formats = ["jpeg", "webp", "avif"] }
        square = { keyPrefix = "square/", formats = ["jpeg"] }
      }
    })
    error_message = "Each configured rendition with its key prefix and formats (default jpeg); the source prefix."
  }
  assert {
    condition = (
      aws_cloudfront_function.viewer_request.runtime == "cloudfront-js-2.0" &&
      aws_cloudfront_function.viewer_request.publish &&
      strcontains(aws_cloudfront_function.viewer_request.code, "var TABLE = {\"maxKeyBytes\":1024,") &&
      !strcontains(aws_cloudfront_function.viewer_request.code, "__THUMBNAILER_DELIVERY_TABLE__") &&
      one(aws_cloudfront_distribution.this.default_cache_behavior[0].function_association).event_type == "viewer-request"
    )
    error_message = "The published cloudfront-js-2.0 function holds the table in place of its token, on viewer request."
  }
  assert {
    condition     = output.example_url == "https://d111111abcdef8.cloudfront.net/card/incoming/photos/cat.jpg"
    error_message = "The example URL is the first rendition of an upload under the source prefix."
  }
}
