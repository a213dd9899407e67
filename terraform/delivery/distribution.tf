resource "aws_cloudfront_distribution" "this" {
  enabled         = true
  comment         = "${var.project_name}: thumbnails (docs/delivery.md)"
  is_ipv6_enabled = true
  http_version    = "http2and3"
  price_class     = var.price_class
  aliases         = var.aliases
  web_acl_id      = var.web_acl_arn

  origin {
    origin_id                = local.s3_origin_id
    domain_name              = data.aws_s3_bucket.thumbnails.bucket_regional_domain_name
    origin_access_control_id = aws_cloudfront_origin_access_control.thumbnails.id
  }

  dynamic "origin" {
    for_each = var.on_demand ? [local.function_url_domain] : []
    content {
      origin_id                = local.on_demand_origin_id
      domain_name              = origin.value
      origin_access_control_id = aws_cloudfront_origin_access_control.on_demand[0].id
      custom_origin_config {
        http_port              = 80
        https_port             = 443
        origin_protocol_policy = "https-only"
        origin_ssl_protocols   = ["TLSv1.2"]
      }
    }
  }

  # A rendition missing from the bucket (S3 answers 403 to CloudFront, which may not list it, or 404) is
  # asked of the function, which makes it if it is configured and its original exists.
  dynamic "origin_group" {
    for_each = var.on_demand ? [1] : []
    content {
      origin_id = local.group_origin_id
      failover_criteria {
        status_codes = [403, 404]
      }
      member {
        origin_id = local.s3_origin_id
      }
      member {
        origin_id = local.on_demand_origin_id
      }
    }
  }

  default_cache_behavior {
    target_origin_id       = var.on_demand ? local.group_origin_id : local.s3_origin_id
    viewer_protocol_policy = "redirect-to-https"
    allowed_methods        = ["GET", "HEAD"]
    cached_methods         = ["GET", "HEAD"]
    # JPEG, WebP and AVIF are compressed already; gzip would only cost time.
    compress                   = false
    cache_policy_id            = var.cache_policy_id
    response_headers_policy_id = var.response_headers_policy_id

    function_association {
      event_type   = "viewer-request"
      function_arn = aws_cloudfront_function.viewer_request.arn
    }
  }

  # A missing rendition's 403/404 is cached briefly, so that a first upload needs no invalidation: it is
  # served once this passes (CloudFront's own default, made explicit).
  dynamic "custom_error_response" {
    for_each = [403, 404]
    content {
      error_code            = custom_error_response.value
      error_caching_min_ttl = 10
    }
  }

  restrictions {
    geo_restriction {
      restriction_type = "none"
    }
  }

  # With the cloudfront.net certificate AWS fixes the policy itself; with a custom domain, TLS 1.2 at least.
  viewer_certificate {
    cloudfront_default_certificate = var.acm_certificate_arn == null
    acm_certificate_arn            = var.acm_certificate_arn
    ssl_support_method             = var.acm_certificate_arn == null ? null : "sni-only"
    minimum_protocol_version       = "TLSv1.2_2021"
  }

  dynamic "logging_config" {
    for_each = var.access_logs_bucket == null ? [] : [var.access_logs_bucket]
    content {
      bucket          = logging_config.value
      prefix          = var.access_logs_prefix
      include_cookies = false
    }
  }

  lifecycle {
    precondition {
      condition     = length(var.aliases) == 0 || var.acm_certificate_arn != null
      error_message = "aliases need acm_certificate_arn: a certificate in us-east-1 that covers them."
    }
  }
}
