# --- Image repository ------------------------------------------------------------------------------

resource "aws_ecr_repository" "function" {
  name = var.project_name
  # Images are tagged by git commit: a tag, once pushed, always means the same image.
  image_tag_mutability = "IMMUTABLE"
  force_delete         = var.force_destroy

  image_scanning_configuration {
    scan_on_push = true
  }
}

resource "aws_ecr_lifecycle_policy" "function" {
  repository = aws_ecr_repository.function.name
  policy = jsonencode({
    rules = [{
      rulePriority = 1
      description  = "Keep the newest ${var.ecr_keep_images} images"
      selection = {
        tagStatus   = "any"
        countType   = "imageCountMoreThan"
        countNumber = var.ecr_keep_images
      }
      action = { type = "expire" }
    }]
  })
}

# Lambda pulls the image as the service, for this function only; without this statement, whoever
# creates or updates the function would need permission to rewrite the repository policy.
resource "aws_ecr_repository_policy" "function" {
  repository = aws_ecr_repository.function.name
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "LambdaPull"
      Effect    = "Allow"
      Principal = { Service = "lambda.amazonaws.com" }
      Action    = ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]
      Condition = { StringLike = { "aws:sourceArn" = "${local.function_arn}*" } }
    }]
  })
}
