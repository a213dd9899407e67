# --- The optional metadata table: one item per source object (docs/events.md) -------------------------

resource "aws_dynamodb_table" "metadata" {
  count = var.metadata_table ? 1 : 0

  name         = local.metadata_table
  billing_mode = "PAY_PER_REQUEST"
  # `<bucket>/<key>`: one item per source, spread over partitions however many uploads one bucket holds.
  hash_key = "id"

  attribute {
    name = "id"
    type = "S"
  }

  point_in_time_recovery {
    enabled = true
  }

  # With kms_key_arn, the buckets' key (the execution role may already use it); else DynamoDB's own.
  server_side_encryption {
    enabled     = true
    kms_key_arn = var.kms_key_arn
  }

  deletion_protection_enabled = var.metadata_table_deletion_protection
}
