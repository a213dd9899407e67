output "function_name" {
  description = "Name of the thumbnail function."
  value       = aws_lambda_function.thumbnailer.function_name
}

output "function_arn" {
  description = "ARN of the thumbnail function."
  value       = aws_lambda_function.thumbnailer.arn
}

output "alias_name" {
  description = "The alias S3 invokes; npm run deploy moves it (its version is not tracked here)."
  value       = aws_lambda_alias.live.name
}

output "alias_arn" {
  description = "ARN of the alias S3 invokes."
  value       = aws_lambda_alias.live.arn
}

output "architecture" {
  description = "Instruction set the function runs on (build its images for this)."
  value       = var.architecture
}

output "alarm_topic_arn" {
  description = "SNS topic the alarms notify (null without alarm_email)."
  value       = var.alarm_email == null ? null : aws_sns_topic.alarms[0].arn
}

output "alarm_names" {
  description = "CloudWatch alarms watching the function and the dead-letter queue."
  value       = [for alarm in aws_cloudwatch_metric_alarm.this : alarm.alarm_name]
}

output "backfill_role_arn" {
  description = "Role for S3 Batch Operations backfill jobs (npm run backfill -- --role-arn)."
  value       = aws_iam_role.backfill.arn
}
