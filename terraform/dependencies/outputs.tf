output "aws_region" {
  description = "Region everything was created in."
  value       = local.region
}

output "account_id" {
  description = "AWS account the stack was applied to."
  value       = local.account_id
}

output "ecr_repository_url" {
  description = "URL to push the function's image to (tag it with the git commit)."
  value       = aws_ecr_repository.function.repository_url
}

output "ecr_repository_name" {
  description = "Name of the image repository."
  value       = aws_ecr_repository.function.name
}

output "source_bucket" {
  description = "Bucket to upload images to."
  value       = aws_s3_bucket.this["source"].id
}

output "source_bucket_arn" {
  description = "ARN of the upload bucket."
  value       = aws_s3_bucket.this["source"].arn
}

output "source_prefix" {
  description = "Only uploads under this prefix are thumbnailed (empty: all)."
  value       = var.source_prefix
}

output "thumbnail_bucket" {
  description = "Bucket the thumbnails are written to."
  value       = aws_s3_bucket.this["thumbnail"].id
}

output "thumbnail_prefix" {
  description = "Prefix of every thumbnail key."
  value       = var.thumbnail_prefix
}

output "function_name" {
  description = "Name of the Lambda function the lambda stack creates."
  value       = local.function_name
}

output "execution_role_arn" {
  description = "Role the function runs with."
  value       = aws_iam_role.execution.arn
}

output "deploy_role_arn" {
  description = "Role GitHub Actions assumes through OIDC to deploy (null without github_repository)."
  value       = local.github_enabled ? aws_iam_role.deploy[0].arn : null
}

output "dead_letter_queue_url" {
  description = "URL of the queue holding events that failed after every retry."
  value       = aws_sqs_queue.dead_letters.url
}

output "dead_letter_queue_arn" {
  description = "ARN of the dead-letter queue."
  value       = aws_sqs_queue.dead_letters.arn
}

output "dead_letter_queue_name" {
  description = "Name of the dead-letter queue."
  value       = aws_sqs_queue.dead_letters.name
}

output "log_group_name" {
  description = "CloudWatch log group of the function."
  value       = aws_cloudwatch_log_group.function.name
}

output "event_bus_name" {
  description = "EventBridge bus the function publishes completion events on (null: none)."
  value       = var.event_bus_name
}

output "event_bus_arn" {
  description = "ARN of that bus (null: none)."
  value       = local.event_bus_arn
}

output "metadata_table_name" {
  description = "DynamoDB metadata table (null when metadata_table is off)."
  value       = var.metadata_table ? aws_dynamodb_table.metadata[0].name : null
}

output "cdn_distribution_id" {
  description = "The distribution the function invalidates (CDN_DISTRIBUTION_ID): delivery_distribution_arn's ID with cdn_invalidations, else null."
  value       = local.invalidates_cdn ? element(split("/", var.delivery_distribution_arn), 1) : null
}
