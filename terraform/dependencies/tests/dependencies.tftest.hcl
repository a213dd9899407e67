# terraform test, offline: the AWS provider is mocked, so these check the configuration itself.

mock_provider "aws" {
  mock_data "aws_caller_identity" {
    defaults = { account_id = "123456789012" }
  }
  mock_data "aws_partition" {
    defaults = { partition = "aws" }
  }
  mock_data "aws_region" {
    defaults = { name = "eu-west-1" }
  }
}

variables {
  project_name = "thumbs"
  aws_region   = "eu-west-1"
}

run "buckets_are_private_owner_enforced_encrypted_and_tls_only" {
  command = plan

  assert {
    condition = alltrue([for block in aws_s3_bucket_public_access_block.this :
    block.block_public_acls && block.block_public_policy && block.ignore_public_acls && block.restrict_public_buckets])
    error_message = "Every bucket must block all public access."
  }
  assert {
    condition     = length(aws_s3_bucket_public_access_block.this) == 2 && length(aws_s3_bucket_policy.tls_only) == 2
    error_message = "Both buckets must be covered."
  }
  assert {
    condition     = alltrue([for controls in aws_s3_bucket_ownership_controls.this : controls.rule[0].object_ownership == "BucketOwnerEnforced"])
    error_message = "Every bucket must disable ACLs (BucketOwnerEnforced)."
  }
  assert {
    condition = alltrue([for encryption in aws_s3_bucket_server_side_encryption_configuration.this :
    one([for rule in encryption.rule : one(rule.apply_server_side_encryption_by_default).sse_algorithm]) == "AES256"])
    error_message = "Buckets must default to SSE-S3."
  }
  assert {
    condition = jsondecode(aws_s3_bucket_policy.tls_only["source"].policy).Statement == [{
      Sid       = "DenyInsecureTransport"
      Effect    = "Deny"
      Principal = "*"
      Action    = "s3:*"
      Resource  = ["arn:aws:s3:::thumbs-uploads-123456789012-eu-west-1", "arn:aws:s3:::thumbs-uploads-123456789012-eu-west-1/*"]
      Condition = { Bool = { "aws:SecureTransport" = "false" } }
    }]
    error_message = "The upload bucket must refuse every request made without TLS."
  }
  assert {
    condition     = aws_s3_bucket.this["source"].bucket == "thumbs-uploads-123456789012-eu-west-1" && aws_s3_bucket.this["thumbnail"].bucket == "thumbs-thumbnails-123456789012-eu-west-1"
    error_message = "Bucket names derive from project, account and region."
  }
  assert {
    condition     = alltrue([for bucket in aws_s3_bucket.this : bucket.force_destroy])
    error_message = "force_destroy defaults to true, so that teardown leaves nothing behind."
  }
}

run "only_the_delivery_distribution_may_read_thumbnails_and_only_under_the_prefix" {
  command = plan

  variables {
    thumbnail_prefix          = "thumbs/"
    delivery_distribution_arn = "arn:aws:cloudfront::123456789012:distribution/E2THUMBS0EXAMPLE"
  }

  assert {
    condition = jsondecode(aws_s3_bucket_policy.tls_only["thumbnail"].policy).Statement[1] == {
      Sid       = "ReadThroughDeliveryDistribution"
      Effect    = "Allow"
      Principal = { Service = "cloudfront.amazonaws.com" }
      Action    = "s3:GetObject"
      Resource  = "arn:aws:s3:::thumbs-thumbnails-123456789012-eu-west-1/thumbs/*"
      Condition = { StringEquals = { "AWS:SourceArn" = "arn:aws:cloudfront::123456789012:distribution/E2THUMBS0EXAMPLE" } }
    }
    error_message = "CloudFront may get thumbnails only on behalf of the one distribution, only under the prefix."
  }
  assert {
    condition = (
      length(jsondecode(aws_s3_bucket_policy.tls_only["thumbnail"].policy).Statement) == 2 &&
      length(jsondecode(aws_s3_bucket_policy.tls_only["source"].policy).Statement) == 1
    )
    error_message = "The TLS-only rule stays; the upload bucket gets nothing new."
  }
}

run "refuses_a_delivery_arn_that_is_not_a_distribution" {
  command = plan

  variables {
    delivery_distribution_arn = "arn:aws:cloudfront::123456789012:distribution/*"
  }

  expect_failures = [var.delivery_distribution_arn]
}

run "uploads_are_versioned_and_old_versions_expire" {
  command = plan

  assert {
    condition     = aws_s3_bucket_versioning.source.versioning_configuration[0].status == "Enabled"
    error_message = "The upload bucket must be versioned."
  }
  assert {
    condition     = aws_s3_bucket_lifecycle_configuration.source.rule[0].noncurrent_version_expiration[0].noncurrent_days == 30
    error_message = "Old versions must expire after source_noncurrent_version_days."
  }
}

run "a_kms_key_switches_encryption_and_is_the_only_key_granted" {
  command = plan

  variables {
    kms_key_arn = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
  }

  assert {
    condition = alltrue([for encryption in aws_s3_bucket_server_side_encryption_configuration.this :
      one([for rule in encryption.rule : one(rule.apply_server_side_encryption_by_default).sse_algorithm]) == "aws:kms" &&
    one([for rule in encryption.rule : rule.bucket_key_enabled])])
    error_message = "A KMS key must encrypt both buckets, with bucket keys on."
  }
  assert {
    condition = contains(jsondecode(aws_iam_role_policy.execution.policy).Statement, {
      Sid      = "UseBucketKey"
      Effect   = "Allow"
      Action   = ["kms:Decrypt", "kms:GenerateDataKey"]
      Resource = ["arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"]
    })
    error_message = "The function must be able to use that key, and only that key."
  }
}

run "the_execution_role_can_do_exactly_what_the_handler_does" {
  command = plan

  assert {
    condition = jsondecode(aws_iam_role_policy.execution.policy).Statement == [
      {
        Sid      = "ReadUploads"
        Effect   = "Allow"
        Action   = ["s3:GetObject"]
        Resource = ["arn:aws:s3:::thumbs-uploads-123456789012-eu-west-1/*"]
      },
      {
        Sid      = "WriteAndCheckThumbnails"
        Effect   = "Allow"
        Action   = ["s3:GetObject", "s3:PutObject"]
        Resource = ["arn:aws:s3:::thumbs-thumbnails-123456789012-eu-west-1/*"]
      },
      {
        Sid      = "RemoveThumbnails"
        Effect   = "Allow"
        Action   = ["s3:DeleteObject"]
        Resource = ["arn:aws:s3:::thumbs-thumbnails-123456789012-eu-west-1/*"]
      },
      {
        Sid      = "TellDeletedUploads"
        Effect   = "Allow"
        Action   = ["s3:ListBucket"]
        Resource = ["arn:aws:s3:::thumbs-uploads-123456789012-eu-west-1"]
      },
      {
        Sid      = "WriteOwnLogs"
        Effect   = "Allow"
        Action   = ["logs:CreateLogStream", "logs:PutLogEvents"]
        Resource = ["arn:aws:logs:eu-west-1:123456789012:log-group:/aws/lambda/thumbs:*"]
      },
      {
        Sid      = "DeadLetter"
        Effect   = "Allow"
        Action   = ["sqs:SendMessage"]
        Resource = ["arn:aws:sqs:eu-west-1:123456789012:thumbs-dead-letters"]
      },
      {
        Sid      = "PublishCompletionEvents"
        Effect   = "Allow"
        Action   = ["events:PutEvents"]
        Resource = ["arn:aws:events:eu-west-1:123456789012:event-bus/default"]
      },
    ]
    error_message = "The execution role's policy must be exactly the least-privilege one."
  }
  assert {
    condition = jsondecode(aws_iam_role.execution.assume_role_policy).Statement == [{
      Effect    = "Allow"
      Principal = { Service = "lambda.amazonaws.com" }
      Action    = "sts:AssumeRole"
      Condition = { StringEquals = { "aws:SourceAccount" = "123456789012" } }
    }]
    error_message = "Only Lambda, in this account, may assume the execution role."
  }
}

run "prefixes_narrow_what_the_role_may_read_and_write" {
  command = plan

  variables {
    source_prefix    = "incoming/"
    thumbnail_prefix = "thumbs/"
  }

  assert {
    condition = [for statement in jsondecode(aws_iam_role_policy.execution.policy).Statement : statement.Resource[0] if startswith(statement.Sid, "Read") || startswith(statement.Sid, "Write")] == [
      "arn:aws:s3:::thumbs-uploads-123456789012-eu-west-1/incoming/*",
      "arn:aws:s3:::thumbs-thumbnails-123456789012-eu-west-1/thumbs/*",
      "arn:aws:logs:eu-west-1:123456789012:log-group:/aws/lambda/thumbs:*",
    ]
    error_message = "The role must be scoped to the configured prefixes."
  }
  assert {
    condition = [for statement in jsondecode(aws_iam_role_policy.execution.policy).Statement : statement if contains(["RemoveThumbnails", "TellDeletedUploads"], statement.Sid)] == [
      {
        Sid      = "RemoveThumbnails"
        Effect   = "Allow"
        Action   = ["s3:DeleteObject"]
        Resource = ["arn:aws:s3:::thumbs-thumbnails-123456789012-eu-west-1/thumbs/*"]
      },
      {
        Sid       = "TellDeletedUploads"
        Effect    = "Allow"
        Action    = ["s3:ListBucket"]
        Resource  = ["arn:aws:s3:::thumbs-uploads-123456789012-eu-west-1"]
        Condition = { StringLike = { "s3:prefix" = ["incoming/*"] } }
      },
    ]
    error_message = "Deletes must be scoped to the thumbnail prefix, and listing to the source prefix."
  }
}

run "no_table_and_no_dynamodb_grant_by_default" {
  command = plan

  assert {
    condition     = length(aws_dynamodb_table.metadata) == 0 && output.metadata_table_name == null
    error_message = "The metadata table is optional and off by default."
  }
  assert {
    condition     = length([for statement in jsondecode(aws_iam_role_policy.execution.policy).Statement : statement if startswith(statement.Action[0], "dynamodb:")]) == 0
    error_message = "Without the table, the role must have no DynamoDB grant."
  }
}

run "the_metadata_table_is_on_demand_recoverable_encrypted_and_the_only_table_granted" {
  command = plan

  variables {
    metadata_table                     = true
    metadata_table_deletion_protection = true
  }

  assert {
    condition = (
      aws_dynamodb_table.metadata[0].name == "thumbs-metadata" &&
      aws_dynamodb_table.metadata[0].billing_mode == "PAY_PER_REQUEST" &&
      aws_dynamodb_table.metadata[0].hash_key == "id" &&
      aws_dynamodb_table.metadata[0].point_in_time_recovery[0].enabled &&
      aws_dynamodb_table.metadata[0].server_side_encryption[0].enabled &&
      aws_dynamodb_table.metadata[0].deletion_protection_enabled
    )
    error_message = "The table must be on-demand, with point-in-time recovery, encryption and the deletion protection asked for."
  }
  assert {
    condition = [for statement in jsondecode(aws_iam_role_policy.execution.policy).Statement : statement if statement.Sid == "KeepMetadata"] == [{
      Sid      = "KeepMetadata"
      Effect   = "Allow"
      Action   = ["dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:PutItem"]
      Resource = ["arn:aws:dynamodb:eu-west-1:123456789012:table/thumbs-metadata"]
    }]
    error_message = "The role may only get, put and delete items of the table."
  }
}

run "no_events_grant_without_a_bus" {
  command = plan

  variables {
    event_bus_name = null
  }

  assert {
    condition     = length([for statement in jsondecode(aws_iam_role_policy.execution.policy).Statement : statement if statement.Sid == "PublishCompletionEvents"]) == 0 && output.event_bus_name == null
    error_message = "Without a bus, the role must not be able to put events."
  }
}

run "refuses_a_bus_arn_for_a_name" {
  command = plan

  variables {
    event_bus_name = "arn:aws:events:eu-west-1:123456789012:event-bus/default"
  }

  expect_failures = [var.event_bus_name]
}

run "no_deploy_role_without_a_github_repository" {
  command = plan

  assert {
    condition     = length(aws_iam_role.deploy) == 0 && length(aws_iam_openid_connect_provider.github) == 0
    error_message = "Nothing GitHub-related is created unless github_repository is set."
  }
}

run "the_deploy_role_trusts_only_the_main_branch_of_one_repository" {
  # apply (against the mock): the trust policy names the provider's ARN, known only once it exists.
  command = apply

  variables {
    github_repository = "octo-org/thumbs"
  }

  assert {
    condition     = length(aws_iam_openid_connect_provider.github) == 1 && aws_iam_openid_connect_provider.github[0].client_id_list == toset(["sts.amazonaws.com"])
    error_message = "The GitHub OIDC provider must be created, for the STS audience."
  }
  assert {
    condition = jsondecode(aws_iam_role.deploy[0].assume_role_policy).Statement[0].Condition == {
      StringEquals = {
        "token.actions.githubusercontent.com:aud" = "sts.amazonaws.com"
        "token.actions.githubusercontent.com:sub" = "repo:octo-org/thumbs:ref:refs/heads/main"
      }
    }
    error_message = "Only the main branch of octo-org/thumbs may assume the deploy role."
  }
  assert {
    condition = [for statement in jsondecode(aws_iam_role_policy.deploy[0].policy).Statement : statement.Resource] == [
      ["*"],
      ["arn:aws:ecr:eu-west-1:123456789012:repository/thumbs"],
      ["arn:aws:lambda:eu-west-1:123456789012:function:thumbs", "arn:aws:lambda:eu-west-1:123456789012:function:thumbs:*"],
      ["arn:aws:s3:::thumbs-uploads-123456789012-eu-west-1/thumbnailer-canary/*"],
      ["arn:aws:s3:::thumbs-thumbnails-123456789012-eu-west-1/thumbnailer-canary/*"],
    ]
    error_message = "The deploy role may push to this repository, deploy this function and smoke-test it with its canary, nothing else (ECR login takes no resource)."
  }
  assert {
    condition     = jsondecode(aws_iam_role_policy.deploy[0].policy).Statement[0].Action == ["ecr:GetAuthorizationToken"]
    error_message = "The only action on \"*\" must be the ECR login."
  }
}

run "an_existing_oidc_provider_is_reused" {
  command = plan

  variables {
    github_repository        = "octo-org/thumbs"
    github_oidc_provider_arn = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"
  }

  assert {
    condition     = length(aws_iam_openid_connect_provider.github) == 0
    error_message = "No second provider may be created."
  }
  assert {
    condition     = jsondecode(aws_iam_role.deploy[0].assume_role_policy).Statement[0].Principal.Federated == "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"
    error_message = "The deploy role must trust the existing provider."
  }
}

run "the_repository_is_immutable_scanned_bounded_and_pullable_only_by_this_function" {
  command = plan

  assert {
    condition     = aws_ecr_repository.function.image_tag_mutability == "IMMUTABLE" && aws_ecr_repository.function.image_scanning_configuration[0].scan_on_push && aws_ecr_repository.function.force_delete
    error_message = "The repository must have immutable tags, scan on push, and be deletable with its images."
  }
  assert {
    condition     = jsondecode(aws_ecr_lifecycle_policy.function.policy).rules[0].selection.countNumber == 20
    error_message = "The repository must keep the newest ecr_keep_images images."
  }
  assert {
    condition     = jsondecode(aws_ecr_repository_policy.function.policy).Statement[0].Condition == { StringLike = { "aws:sourceArn" = "arn:aws:lambda:eu-west-1:123456789012:function:thumbs*" } }
    error_message = "Lambda may pull images for this function only."
  }
}

run "dead_letters_are_encrypted_and_kept_14_days_and_logs_expire" {
  command = plan

  assert {
    condition     = aws_sqs_queue.dead_letters.sqs_managed_sse_enabled && aws_sqs_queue.dead_letters.message_retention_seconds == 1209600
    error_message = "The dead-letter queue must be encrypted and keep messages 14 days."
  }
  assert {
    condition     = aws_cloudwatch_log_group.function.name == "/aws/lambda/thumbs" && aws_cloudwatch_log_group.function.retention_in_days == 30
    error_message = "The function's log group must exist before it, with the retention set."
  }
}

run "refuses_a_bad_project_name" {
  command = plan
  variables {
    project_name = "Thumbs_1"
  }
  expect_failures = [var.project_name]
}

run "refuses_a_bad_region" {
  command = plan
  variables {
    aws_region = "europe"
  }
  expect_failures = [var.aws_region]
}

run "refuses_a_retention_cloudwatch_does_not_offer" {
  command = plan
  variables {
    log_retention_days = 10
  }
  expect_failures = [var.log_retention_days]
}

run "refuses_a_malformed_github_repository" {
  command = plan
  variables {
    github_repository = "just-a-name"
  }
  expect_failures = [var.github_repository]
}

run "refuses_a_prefix_with_a_wildcard" {
  command = plan
  variables {
    source_prefix = "in/*"
  }
  expect_failures = [var.source_prefix]
}

run "refuses_a_prefix_with_a_line_break" {
  command = plan
  variables {
    thumbnail_prefix = "thumbs\r\n/"
  }
  expect_failures = [var.thumbnail_prefix]
}

run "refuses_a_prefix_with_a_leading_slash" {
  command = plan
  variables {
    thumbnail_prefix = "/"
  }
  expect_failures = [var.thumbnail_prefix]
}

run "refuses_a_bad_kms_key" {
  command = plan
  variables {
    kms_key_arn = "alias/my-key"
  }
  expect_failures = [var.kms_key_arn]
}

run "the_function_may_invalidate_only_the_delivery_distribution" {
  command = plan

  variables {
    delivery_distribution_arn = "arn:aws:cloudfront::123456789012:distribution/E2THUMBS0EXAMPLE"
  }

  assert {
    condition = [
      for statement in jsondecode(aws_iam_role_policy.execution.policy).Statement : statement
      if statement.Sid == "InvalidateDeliveredRenditions"
      ] == [{
        Sid      = "InvalidateDeliveredRenditions"
        Effect   = "Allow"
        Action   = ["cloudfront:CreateInvalidation"]
        Resource = ["arn:aws:cloudfront::123456789012:distribution/E2THUMBS0EXAMPLE"]
    }]
    error_message = "cloudfront:CreateInvalidation is granted on the one distribution's exact ARN."
  }
  assert {
    condition     = output.cdn_distribution_id == "E2THUMBS0EXAMPLE"
    error_message = "The lambda stack learns the distribution's ID (CDN_DISTRIBUTION_ID)."
  }
}

run "no_invalidations_without_a_distribution_or_when_turned_off" {
  command = plan

  variables {
    delivery_distribution_arn = "arn:aws:cloudfront::123456789012:distribution/E2THUMBS0EXAMPLE"
    cdn_invalidations         = false
  }

  assert {
    condition     = !strcontains(aws_iam_role_policy.execution.policy, "cloudfront:")
    error_message = "With cdn_invalidations off, the function gets no CloudFront permission."
  }
  assert {
    condition     = output.cdn_distribution_id == null
    error_message = "With cdn_invalidations off, CDN_DISTRIBUTION_ID is not set."
  }
}
