output "domain_name" {
  description = "The distribution's domain name (<id>.cloudfront.net); point a CNAME of an alias at it."
  value       = aws_cloudfront_distribution.this.domain_name
}

output "distribution_id" {
  description = "The distribution's ID (for invalidations and the console)."
  value       = aws_cloudfront_distribution.this.id
}

output "distribution_arn" {
  description = "The distribution's ARN: the thumbnail bucket's policy lets only this ARN read (the dependencies stack's delivery_distribution_arn)."
  value       = local.distribution_arn
}

output "base_url" {
  description = "Where the URL scheme of docs/delivery.md starts: the first alias, or the cloudfront.net name."
  value       = "https://${length(var.aliases) > 0 ? var.aliases[0] : aws_cloudfront_distribution.this.domain_name}/"
}

output "example_url" {
  description = "A URL of the first rendition of an upload at <source prefix>photos/cat.jpg, in the best format the browser accepts."
  value       = "https://${length(var.aliases) > 0 ? var.aliases[0] : aws_cloudfront_distribution.this.domain_name}/${local.first_rendition}/${local.deps.source_prefix}photos/cat.jpg"
}

output "function_url" {
  description = "The on-demand function URL CloudFront fails over to (AWS_IAM: only the distribution may call it); null without on_demand."
  value       = var.on_demand ? aws_lambda_function_url.on_demand[0].function_url : null
}

output "renditions" {
  description = "The table the viewer-request function maps URLs with, from the live function's environment."
  value       = local.table
}

output "first_rendition" {
  description = "The name of the first configured rendition (the example URL's, and bootstrap.sh's smoke test's)."
  value       = local.first_rendition
}
