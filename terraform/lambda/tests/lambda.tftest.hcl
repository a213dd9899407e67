# terraform test, offline: the AWS provider is mocked and the dependencies stack's outputs are given.

mock_provider "aws" {
  # Alarms validate their actions' ARNs; the mock would otherwise invent a random string.
  mock_resource "aws_sns_topic" {
    defaults = { arn = "arn:aws:sns:eu-west-1:123456789012:thumbs-alarms" }
  }
}

override_data {
  target = data.terraform_remote_state.dependencies
  values = {
    outputs = {
      account_id             = "123456789012"
      function_name          = "thumbs"
      execution_role_arn     = "arn:aws:iam::123456789012:role/thumbs-execution"
      source_bucket          = "thumbs-uploads-123456789012-eu-west-1"
      source_bucket_arn      = "arn:aws:s3:::thumbs-uploads-123456789012-eu-west-1"
      source_prefix          = "incoming/"
      thumbnail_bucket       = "thumbs-thumbnails-123456789012-eu-west-1"
      thumbnail_prefix       = ""
      dead_letter_queue_arn  = "arn:aws:sqs:eu-west-1:123456789012:thumbs-dead-letters"
      dead_letter_queue_name = "thumbs-dead-letters"
      event_bus_name         = "default"
      metadata_table_name    = "thumbs-metadata"
    }
  }
}

variables {
  project_name = "thumbs"
  aws_region   = "eu-west-1"
  image_uri    = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/thumbs@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
}

run "the_function_runs_the_image_on_arm64_with_the_handler_configuration" {
  command = plan

  assert {
    condition = (
      aws_lambda_function.thumbnailer.package_type == "Image" &&
      aws_lambda_function.thumbnailer.architectures == tolist(["arm64"]) &&
      aws_lambda_function.thumbnailer.image_config[0].command == tolist(["index.handler"]) &&
      aws_lambda_function.thumbnailer.role == "arn:aws:iam::123456789012:role/thumbs-execution"
    )
    error_message = "The function must be the arm64 container image, CMD index.handler, with the execution role."
  }
  assert {
    condition     = aws_lambda_function.thumbnailer.memory_size == 512 && aws_lambda_function.thumbnailer.timeout == 30
    error_message = "Memory and timeout default to the bench's recommendation."
  }
  assert {
    condition = aws_lambda_function.thumbnailer.environment[0].variables == tomap({
      THUMBNAIL_BUCKET     = "thumbs-thumbnails-123456789012-eu-west-1"
      SOURCE_BUCKET        = "thumbs-uploads-123456789012-eu-west-1"
      SOURCE_PREFIX        = "incoming/"
      POWERTOOLS_LOG_LEVEL = "INFO"
      EVENT_BUS_NAME       = "default"
      METADATA_TABLE       = "thumbs-metadata"
    })
    error_message = "With no settings, the function gets only its buckets, bus, table and the log level; the handler's defaults do the rest."
  }
}

run "thumbnail_settings_become_the_handler_environment" {
  command = plan

  variables {
    thumbnail = { width = 320, height = 200, fit = "cover", format = "webp", quality = 70, max_input_bytes = 1000000 }
    log_level = "DEBUG"
  }

  assert {
    condition = aws_lambda_function.thumbnailer.environment[0].variables == tomap({
      THUMBNAIL_BUCKET     = "thumbs-thumbnails-123456789012-eu-west-1"
      SOURCE_BUCKET        = "thumbs-uploads-123456789012-eu-west-1"
      SOURCE_PREFIX        = "incoming/"
      POWERTOOLS_LOG_LEVEL = "DEBUG"
      EVENT_BUS_NAME       = "default"
      METADATA_TABLE       = "thumbs-metadata"
      THUMBNAIL_WIDTH      = "320"
      THUMBNAIL_HEIGHT     = "200"
      THUMBNAIL_FIT        = "cover"
      THUMBNAIL_FORMAT     = "webp"
      THUMBNAIL_QUALITY    = "70"
      MAX_INPUT_BYTES      = "1000000"
    })
    error_message = "Each setting must reach the function as its environment variable."
  }
}

run "s3_invokes_the_live_alias_which_starts_on_the_first_version" {
  # apply (against the mock): the alias's ARN is known only once it exists.
  command = apply

  assert {
    condition     = aws_lambda_function.thumbnailer.publish && aws_lambda_alias.live.name == "live" && aws_lambda_alias.live.function_version == aws_lambda_function.thumbnailer.version
    error_message = "The function must publish its first version, and the live alias start on it."
  }
  assert {
    condition     = alltrue([for entry in aws_s3_bucket_notification.uploads.lambda_function : entry.lambda_function_arn == aws_lambda_alias.live.arn])
    error_message = "S3 must invoke the live alias, never $LATEST: a deploy that fails its smoke test must get no traffic."
  }
  assert {
    condition     = aws_lambda_permission.s3_invoke.qualifier == "live" && aws_lambda_function_event_invoke_config.thumbnailer.qualifier == "live"
    error_message = "The invoke permission and the retry/dead-letter settings must be those of the alias S3 invokes."
  }
  assert {
    condition     = aws_lambda_alias.previous.name == "previous" && aws_lambda_alias.previous.function_version == aws_lambda_alias.live.function_version
    error_message = "The previous alias (where --rollback goes) must start where live starts: a fresh stack has nothing to roll back to."
  }
}

run "failed_events_are_retried_then_dead_lettered" {
  command = plan

  assert {
    condition = (
      aws_lambda_function_event_invoke_config.thumbnailer.maximum_retry_attempts == 2 &&
      aws_lambda_function_event_invoke_config.thumbnailer.maximum_event_age_in_seconds == 21600 &&
      aws_lambda_function_event_invoke_config.thumbnailer.destination_config[0].on_failure[0].destination == "arn:aws:sqs:eu-west-1:123456789012:thumbs-dead-letters"
    )
    error_message = "Failed events must be retried twice, then sent to the dead-letter queue."
  }
}

run "only_the_upload_bucket_in_this_account_may_invoke_it" {
  command = plan

  assert {
    condition = (
      aws_lambda_permission.s3_invoke.principal == "s3.amazonaws.com" &&
      aws_lambda_permission.s3_invoke.action == "lambda:InvokeFunction" &&
      aws_lambda_permission.s3_invoke.source_arn == "arn:aws:s3:::thumbs-uploads-123456789012-eu-west-1" &&
      aws_lambda_permission.s3_invoke.source_account == "123456789012"
    )
    error_message = "The invoke permission must name the upload bucket and the account."
  }
}

run "every_object_created_under_the_source_prefix_triggers_it_by_default" {
  command = plan

  assert {
    condition = (
      aws_s3_bucket_notification.uploads.bucket == "thumbs-uploads-123456789012-eu-west-1" &&
      length(aws_s3_bucket_notification.uploads.lambda_function) == 1 &&
      aws_s3_bucket_notification.uploads.lambda_function[0].events == toset(["s3:ObjectCreated:*", "s3:ObjectRemoved:*"]) &&
      aws_s3_bucket_notification.uploads.lambda_function[0].filter_prefix == "incoming/" &&
      aws_s3_bucket_notification.uploads.lambda_function[0].filter_suffix == null
    )
    error_message = "With no suffixes, every ObjectCreated and ObjectRemoved event under the source prefix must invoke the function."
  }
}

run "suffixes_become_one_notification_each" {
  command = plan

  variables {
    source_suffixes = [".jpg", ".png"]
  }

  assert {
    condition     = [for entry in aws_s3_bucket_notification.uploads.lambda_function : entry.filter_suffix] == [".jpg", ".png"]
    error_message = "Each suffix must get a notification entry of its own."
  }
}

run "alarms_watch_errors_and_dead_letters_and_mail_when_asked" {
  command = apply

  variables {
    alarm_email = "ops@example.com"
  }

  assert {
    condition     = aws_cloudwatch_metric_alarm.this["dead-letters"].dimensions == tomap({ QueueName = "thumbs-dead-letters" }) && aws_cloudwatch_metric_alarm.this["function-errors"].metric_name == "Errors"
    error_message = "One alarm must watch the function's errors, one the dead-letter queue."
  }
  assert {
    condition     = aws_sns_topic_subscription.alarm_email[0].endpoint == "ops@example.com" && aws_cloudwatch_metric_alarm.this["dead-letters"].alarm_actions == toset([aws_sns_topic.alarms[0].arn]) && aws_cloudwatch_metric_alarm.this["function-errors"].ok_actions == toset([aws_sns_topic.alarms[0].arn])
    error_message = "With alarm_email, both alarms must notify a topic that mails it."
  }
}

run "refuses_an_image_not_given_by_digest" {
  command = plan
  variables {
    image_uri = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/thumbs:latest"
  }
  expect_failures = [var.image_uri]
}

run "refuses_a_cache_control_that_would_end_its_header" {
  command = plan
  variables {
    thumbnail = { cache_control = "public\r\nX-Evil: 1" }
  }
  expect_failures = [var.thumbnail]
}

run "refuses_an_unknown_architecture" {
  command = plan
  variables {
    architecture = "arm"
  }
  expect_failures = [var.architecture]
}

run "refuses_memory_out_of_range" {
  command = plan
  variables {
    memory_size = 64
  }
  expect_failures = [var.memory_size]
}

run "refuses_a_bad_thumbnail_format" {
  command = plan
  variables {
    thumbnail = { format = "png" }
  }
  expect_failures = [var.thumbnail]
}

run "refuses_more_than_two_retries" {
  command = plan
  variables {
    max_retry_attempts = 3
  }
  expect_failures = [var.max_retry_attempts]
}

run "the_backfill_role_is_for_batch_operations_and_may_do_only_its_job" {
  command = plan

  assert {
    condition = jsondecode(aws_iam_role.backfill.assume_role_policy).Statement == [{
      Effect    = "Allow"
      Principal = { Service = "batchoperations.s3.amazonaws.com" }
      Action    = "sts:AssumeRole"
      Condition = { StringEquals = { "aws:SourceAccount" = "123456789012" } }
    }]
    error_message = "Only S3 Batch Operations, for this account, may assume the backfill role."
  }
  assert {
    condition = { for statement in jsondecode(aws_iam_role_policy.backfill.policy).Statement : statement.Sid => [statement.Action, statement.Resource] } == {
      InvokeFunctionVersions = [["lambda:InvokeFunction"], ["arn:aws:lambda:eu-west-1:123456789012:function:thumbs:*"]]
      ReadManifests          = [["s3:GetObject", "s3:GetObjectVersion"], ["arn:aws:s3:::thumbs-thumbnails-123456789012-eu-west-1/thumbnailer-backfill/manifests/*"]]
      ListSourcePrefix       = [["s3:ListBucket"], ["arn:aws:s3:::thumbs-uploads-123456789012-eu-west-1"]]
      WriteReports           = [["s3:PutObject"], ["arn:aws:s3:::thumbs-thumbnails-123456789012-eu-west-1/thumbnailer-backfill/reports/*"]]
    }
    error_message = "The backfill role may invoke only the function's versions, read only backfill manifests, list only the source prefix and write only reports."
  }
  assert {
    condition     = aws_lambda_function.thumbnailer.reserved_concurrent_executions == null
    error_message = "With no reserved_concurrency the function stays in the unreserved pool."
  }
}

run "reserved_concurrency_caps_the_function" {
  command = plan
  variables {
    reserved_concurrency = 20
  }
  assert {
    condition     = aws_lambda_function.thumbnailer.reserved_concurrent_executions == 20
    error_message = "reserved_concurrency must become the function's reserved concurrency."
  }
}

run "refuses_a_reserved_concurrency_of_zero" {
  command = plan
  variables {
    reserved_concurrency = 0
  }
  expect_failures = [var.reserved_concurrency]
}

run "refuses_a_fractional_reserved_concurrency" {
  command = plan
  variables {
    reserved_concurrency = 2.5
  }
  expect_failures = [var.reserved_concurrency]
}

run "renditions_become_the_handler_renditions_variable" {
  command = plan

  variables {
    renditions = [
      { name = "square", width = 256, height = 256, fit = "cover", position = "attention", formats = ["avif", "webp"], quality = { webp = 70 } },
      { name = "card", width = 640, height = 480 },
    ]
    thumbnail = { heic_input = false }
  }

  assert {
    condition = jsondecode(aws_lambda_function.thumbnailer.environment[0].variables["RENDITIONS"]) == [
      { name = "square", width = 256, height = 256, fit = "cover", position = "attention", formats = ["avif", "webp"], quality = { webp = 70 }, background = "#ffffff" },
      { name = "card", width = 640, height = 480, fit = "inside", formats = ["jpeg"], quality = {}, background = "#ffffff" },
    ]
    error_message = "Each rendition must reach the function in RENDITIONS, with unset attributes left out (position, each quality) for the handler's defaults."
  }
  assert {
    condition     = aws_lambda_function.thumbnailer.environment[0].variables["HEIC_INPUT"] == "false"
    error_message = "thumbnail.heic_input must reach the function as HEIC_INPUT."
  }
  assert {
    condition     = !contains(keys(aws_lambda_function.thumbnailer.environment[0].variables), "THUMBNAIL_WIDTH")
    error_message = "With renditions, no THUMBNAIL_* size setting may reach the function (the handler refuses both)."
  }
}

run "renditions_refuse_a_bad_name" {
  command = plan
  variables {
    renditions = [{ name = "_manifests", width = 256, height = 256 }]
  }
  expect_failures = [var.renditions]
}

run "renditions_refuse_a_repeated_name" {
  command = plan
  variables {
    renditions = [{ name = "a", width = 256, height = 256 }, { name = "a", width = 64, height = 64 }]
  }
  expect_failures = [var.renditions]
}

run "renditions_refuse_a_box_side_over_4096" {
  command = plan
  variables {
    renditions = [{ name = "a", width = 5000, height = 256 }]
  }
  expect_failures = [var.renditions]
}

run "renditions_refuse_an_unknown_or_repeated_format" {
  command = plan
  variables {
    renditions = [{ name = "a", width = 256, height = 256, formats = ["webp", "png"] }]
  }
  expect_failures = [var.renditions]
}

run "renditions_refuse_a_position_on_an_inside_fit" {
  command = plan
  variables {
    renditions = [{ name = "a", width = 256, height = 256, position = "attention" }]
  }
  expect_failures = [var.renditions]
}

run "renditions_refuse_a_quality_over_100" {
  command = plan
  variables {
    renditions = [{ name = "a", width = 256, height = 256, formats = ["webp"], quality = { webp = 101 } }]
  }
  expect_failures = [var.renditions]
}

run "renditions_refuse_thumbnail_size_settings_beside_them" {
  command = plan
  variables {
    renditions = [{ name = "a", width = 256, height = 256 }]
    thumbnail  = { width = 320 }
  }
  expect_failures = [var.renditions]
}

run "the_function_learns_the_distribution_it_invalidates" {
  command = plan

  override_data {
    target = data.terraform_remote_state.dependencies
    values = {
      outputs = {
        account_id             = "123456789012"
        function_name          = "thumbs"
        execution_role_arn     = "arn:aws:iam::123456789012:role/thumbs-execution"
        source_bucket          = "thumbs-uploads-123456789012-eu-west-1"
        source_bucket_arn      = "arn:aws:s3:::thumbs-uploads-123456789012-eu-west-1"
        source_prefix          = ""
        thumbnail_bucket       = "thumbs-thumbnails-123456789012-eu-west-1"
        thumbnail_prefix       = ""
        dead_letter_queue_arn  = "arn:aws:sqs:eu-west-1:123456789012:thumbs-dead-letters"
        dead_letter_queue_name = "thumbs-dead-letters"
        cdn_distribution_id    = "E2THUMBS0EXAMPLE"
      }
    }
  }

  assert {
    condition     = aws_lambda_function.thumbnailer.environment[0].variables["CDN_DISTRIBUTION_ID"] == "E2THUMBS0EXAMPLE"
    error_message = "With the dependencies stack's cdn_distribution_id, the function invalidates that distribution."
  }
}
