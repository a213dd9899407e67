# --- Alarms: the function erring, and events giving up into the dead-letter queue --------------------

resource "aws_sns_topic" "alarms" {
  count = var.alarm_email == null ? 0 : 1

  name              = "${var.project_name}-alarms"
  kms_master_key_id = "alias/aws/sns"
}

# AWS e-mails the address a confirmation link; nothing arrives until it is followed.
resource "aws_sns_topic_subscription" "alarm_email" {
  count = var.alarm_email == null ? 0 : 1

  topic_arn = aws_sns_topic.alarms[0].arn
  protocol  = "email"
  endpoint  = var.alarm_email
}

locals {
  alarm_actions = var.alarm_email == null ? [] : [aws_sns_topic.alarms[0].arn]
}

locals {
  # Rejected images are not errors (the handler logs them and returns); errors are transient failures
  # Lambda will retry, so a few during an S3 slowdown are expected, and one alarm period covers them.
  alarms = {
    function-errors = {
      description = "The thumbnail function failed invocations (they are retried, then dead-lettered)."
      namespace   = "AWS/Lambda"
      metric      = "Errors"
      dimensions  = { FunctionName = aws_lambda_function.thumbnailer.function_name }
      statistic   = "Sum"
    }
    dead-letters = {
      description = "Upload events gave up after every retry and wait in the dead-letter queue to be replayed."
      namespace   = "AWS/SQS"
      metric      = "ApproximateNumberOfMessagesVisible"
      dimensions  = { QueueName = local.deps.dead_letter_queue_name }
      statistic   = "Maximum"
    }
  }
}

resource "aws_cloudwatch_metric_alarm" "this" {
  for_each = local.alarms

  alarm_name          = "${var.project_name}-${each.key}"
  alarm_description   = each.value.description
  namespace           = each.value.namespace
  metric_name         = each.value.metric
  dimensions          = each.value.dimensions
  statistic           = each.value.statistic
  period              = 300
  evaluation_periods  = 1
  threshold           = 1
  comparison_operator = "GreaterThanOrEqualToThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
}
