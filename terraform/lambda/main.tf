# The function and its wiring. Everything it runs with or writes to comes from the dependencies stack.

data "terraform_remote_state" "dependencies" {
  backend = "local"
  config = {
    path = var.dependencies_state_path
  }
}

locals {
  deps = data.terraform_remote_state.dependencies.outputs

  # The handler's configuration (docs/configuration.md); unset settings keep the handler's defaults.
  settings = {
    THUMBNAIL_PREFIX        = local.deps.thumbnail_prefix == "" ? null : local.deps.thumbnail_prefix
    THUMBNAIL_WIDTH         = var.thumbnail.width
    THUMBNAIL_HEIGHT        = var.thumbnail.height
    THUMBNAIL_FIT           = var.thumbnail.fit
    THUMBNAIL_FORMAT        = var.thumbnail.format
    THUMBNAIL_QUALITY       = var.thumbnail.quality
    THUMBNAIL_BACKGROUND    = var.thumbnail.background
    THUMBNAIL_CACHE_CONTROL = var.thumbnail.cache_control
    MAX_INPUT_BYTES         = var.thumbnail.max_input_bytes
    MAX_INPUT_PIXELS        = var.thumbnail.max_input_pixels
    DECODE_FAIL_ON          = var.thumbnail.decode_fail_on
    HEIC_INPUT              = var.thumbnail.heic_input
    # Unset attributes are left out, so that the handler's defaults (src/core/renditions.ts) apply.
    RENDITIONS = var.renditions == null ? null : jsonencode([
      for rendition in var.renditions : merge(
        { for name, value in rendition : name => value if value != null && name != "quality" },
        { quality = { for format, quality in rendition.quality : format => quality if quality != null } },
      )
    ])
  }
  environment = merge(
    {
      THUMBNAIL_BUCKET     = local.deps.thumbnail_bucket
      SOURCE_BUCKET        = local.deps.source_bucket
      POWERTOOLS_LOG_LEVEL = var.log_level
    },
    local.deps.source_prefix == "" ? {} : { SOURCE_PREFIX = local.deps.source_prefix },
    # Read with try(): a dependencies state applied before these outputs existed has neither.
    try(local.deps.event_bus_name, null) == null ? {} : { EVENT_BUS_NAME = local.deps.event_bus_name },
    try(local.deps.metadata_table_name, null) == null ? {} : { METADATA_TABLE = local.deps.metadata_table_name },
    try(local.deps.cdn_distribution_id, null) == null ? {} : { CDN_DISTRIBUTION_ID = local.deps.cdn_distribution_id },
    { for name, value in local.settings : name => tostring(value) if value != null },
  )

  # The alias S3 invokes; npm run deploy moves it, and only to a version that passed its smoke test.
  alias_name = "live"

  # One notification entry per suffix (S3 allows one suffix per entry), or one for every key.
  suffix_filters = length(var.source_suffixes) == 0 ? [null] : var.source_suffixes
}

resource "aws_lambda_function" "thumbnailer" {
  function_name = local.deps.function_name
  role          = local.deps.execution_role_arn
  package_type  = "Image"
  image_uri     = var.image_uri
  architectures = [var.architecture]
  memory_size   = var.memory_size
  timeout       = var.timeout
  # Caps uploads and backfill alike (backfill.tf); null leaves the function in the unreserved pool.
  reserved_concurrent_executions = var.reserved_concurrency
  # A version for the alias to start on. Later versions come from npm run deploy, which also publishes
  # the configuration changes a terraform apply makes (after smoke-testing them): see the alias below.
  publish = true

  image_config {
    command = ["index.handler"]
  }

  environment {
    variables = local.environment
  }

  lifecycle {
    # Continuous deployment owns the code after creation: it updates the image through the Lambda API
    # (npm run deploy, scripts/bootstrap.sh). A later `terraform apply` therefore never rolls the
    # function back to the image_uri it was first created with.
    ignore_changes = [image_uri]
  }
}

# What S3 invokes. Terraform creates it on the first version and then leaves it to npm run deploy, which
# moves it only after the new version has made a thumbnail of the canary image: a bad build never gets
# traffic, and a terraform apply never moves traffic to an untested version.
resource "aws_lambda_alias" "live" {
  name             = local.alias_name
  description      = "What S3 invokes; npm run deploy moves it to a version only once it passed its smoke test."
  function_name    = aws_lambda_function.thumbnailer.function_name
  function_version = aws_lambda_function.thumbnailer.version

  lifecycle {
    ignore_changes = [function_version]
  }
}

# Where rollback goes: npm run deploy points it at the version live served before each move, and
# --rollback swaps the two, so a second rollback undoes the first. It starts where live is (on a stack
# created before it existed, too), so there is nothing to roll back to until the first deploy. Nothing
# invokes it: S3's permission and the retry settings are the live alias's alone.
resource "aws_lambda_alias" "previous" {
  name             = "previous"
  description      = "The version live served before its last move: npm run deploy -- --rollback goes back to it."
  function_name    = aws_lambda_function.thumbnailer.function_name
  function_version = aws_lambda_alias.live.function_version

  lifecycle {
    ignore_changes = [function_version]
  }
}

# Failed asynchronous invocations (S3 invokes asynchronously) are retried, then dead-lettered whole.
resource "aws_lambda_function_event_invoke_config" "thumbnailer" {
  function_name                = aws_lambda_function.thumbnailer.function_name
  qualifier                    = aws_lambda_alias.live.name
  maximum_retry_attempts       = var.max_retry_attempts
  maximum_event_age_in_seconds = var.max_event_age_seconds

  destination_config {
    on_failure {
      destination = local.deps.dead_letter_queue_arn
    }
  }
}

# S3 may invoke the alias for this bucket, in this account, and nothing else may.
resource "aws_lambda_permission" "s3_invoke" {
  statement_id   = "AllowUploadsBucket"
  action         = "lambda:InvokeFunction"
  function_name  = aws_lambda_function.thumbnailer.function_name
  qualifier      = aws_lambda_alias.live.name
  principal      = "s3.amazonaws.com"
  source_arn     = local.deps.source_bucket_arn
  source_account = local.deps.account_id
}

# Note: this resource owns the bucket's whole notification configuration.
resource "aws_s3_bucket_notification" "uploads" {
  bucket = local.deps.source_bucket

  dynamic "lambda_function" {
    for_each = local.suffix_filters
    content {
      id                  = lambda_function.value == null ? "thumbnails" : "thumbnails${lambda_function.value}"
      lambda_function_arn = aws_lambda_alias.live.arn
      # Removals too: thumbnails follow their original (deleted with it, remade on a version delete).
      events        = ["s3:ObjectCreated:*", "s3:ObjectRemoved:*"]
      filter_prefix = local.deps.source_prefix == "" ? null : local.deps.source_prefix
      filter_suffix = lambda_function.value
    }
  }

  # S3 checks, when the notification is saved, that it may invoke the function.
  depends_on = [aws_lambda_permission.s3_invoke]
}
