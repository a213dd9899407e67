variable "project_name" {
  description = "Prefix of the names this stack creates (alarms, topic, backfill role); the same value as in the dependencies stack."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,30}[a-z0-9]$", var.project_name))
    error_message = "project_name must be 3 to 32 characters: lowercase letters, digits and hyphens, starting with a letter."
  }
}

variable "aws_region" {
  description = "AWS region to deploy to; the same as the dependencies stack's."
  type        = string

  validation {
    condition     = can(regex("^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-[0-9]$", var.aws_region))
    error_message = "aws_region must be an AWS region name such as us-east-1."
  }
}

variable "dependencies_state_path" {
  description = "Path of the dependencies stack's state file (local backend). docs/deploying.md shows an S3 backend."
  type        = string
  default     = "../dependencies/terraform.tfstate"
}

variable "image_uri" {
  description = "The function's first image, by digest: <repository URL>@sha256:<digest>. Used when the function is created; later deploys change the code through the Lambda API (npm run deploy), never through this variable."
  type        = string

  validation {
    condition     = can(regex("^[0-9]{12}\\.dkr\\.ecr\\.[a-z0-9-]+\\.amazonaws\\.com(\\.cn)?/[a-z0-9._/-]+@sha256:[0-9a-f]{64}$", var.image_uri))
    error_message = "image_uri must be an ECR image by digest: <account>.dkr.ecr.<region>.amazonaws.com/<repository>@sha256:<64 hex digits>."
  }
}

variable "architecture" {
  description = "Instruction set the image is built for: arm64 (Graviton, about 20% cheaper) or x86_64."
  type        = string
  default     = "arm64"

  validation {
    condition     = contains(["arm64", "x86_64"], var.architecture)
    error_message = "architecture must be arm64 or x86_64."
  }
}

variable "memory_size" {
  description = "Memory in MB; Lambda gives CPU in proportion to it. 512 is the cheapest size with headroom over the measured peak memory that still thumbnails a 24 MP photo within a second (docs/performance.md)."
  type        = number
  default     = 512

  validation {
    condition     = var.memory_size >= 256 && var.memory_size <= 10240 && floor(var.memory_size) == var.memory_size
    error_message = "memory_size must be a whole number of MB from 256 to 10240."
  }
}

variable "timeout" {
  description = "Seconds one invocation may run. A 24 MP photo takes about a quarter of a second at 512 MB; the margin covers the largest inputs allowed and slow S3 moments."
  type        = number
  default     = 30

  validation {
    condition     = var.timeout >= 3 && var.timeout <= 900 && floor(var.timeout) == var.timeout
    error_message = "timeout must be a whole number of seconds from 3 to 900."
  }
}

variable "reserved_concurrency" {
  description = "Most invocations of the function at once, uploads and backfill together; it caps how fast a backfill can spend (a Batch Operations job is throttled to it, and retries). Null: no reservation, the account's unreserved pool."
  type        = number
  default     = null

  validation {
    condition     = var.reserved_concurrency == null || (try(var.reserved_concurrency >= 1 && var.reserved_concurrency <= 1000 && floor(var.reserved_concurrency) == var.reserved_concurrency, false))
    error_message = "reserved_concurrency must be null or a whole number from 1 to 1000 (0 would stop the function)."
  }
}

variable "thumbnail" {
  description = "Thumbnail settings, passed to the function as the environment variables of docs/configuration.md; unset attributes keep the handler's defaults."
  type = object({
    width            = optional(number)
    height           = optional(number)
    fit              = optional(string)
    format           = optional(string)
    quality          = optional(number)
    background       = optional(string)
    cache_control    = optional(string)
    max_input_bytes  = optional(number)
    max_input_pixels = optional(number)
    decode_fail_on   = optional(string)
    heic_input       = optional(bool)
  })
  default = {}

  validation {
    condition = alltrue([
      for size in [var.thumbnail.width, var.thumbnail.height] : size == null ? true : (size >= 1 && size <= 4096 && floor(size) == size)
    ])
    error_message = "thumbnail.width and thumbnail.height must be whole numbers from 1 to 4096."
  }

  validation {
    condition     = var.thumbnail.fit == null ? true : contains(["inside", "cover"], var.thumbnail.fit)
    error_message = "thumbnail.fit must be inside or cover."
  }

  validation {
    condition     = var.thumbnail.format == null ? true : contains(["jpeg", "webp", "avif"], var.thumbnail.format)
    error_message = "thumbnail.format must be jpeg, webp or avif."
  }

  validation {
    condition     = var.thumbnail.quality == null ? true : (var.thumbnail.quality >= 1 && var.thumbnail.quality <= 100)
    error_message = "thumbnail.quality must be from 1 to 100."
  }

  validation {
    condition     = var.thumbnail.decode_fail_on == null ? true : contains(["warning", "error", "truncated"], var.thumbnail.decode_fail_on)
    error_message = "thumbnail.decode_fail_on must be warning, error or truncated."
  }

  validation {
    # The function refuses the same at init (src/function/config.ts): a CR or LF would end the header.
    condition     = var.thumbnail.cache_control == null ? true : can(regex("^[\\x21-\\x7e]([\\x20-\\x7e]{0,1022}[\\x21-\\x7e])?$", var.thumbnail.cache_control))
    error_message = "thumbnail.cache_control must be printable ASCII on one line (an HTTP header value), with no space at either end, at most 1024 characters."
  }
}

variable "renditions" {
  description = "What each upload becomes (docs/renditions.md), passed to the function as RENDITIONS: a list of renditions, each a name (a-z, 0-9, -), a box (width, height, 1 to 4096), a fit (inside, cover), a crop position for cover (centre, attention, entropy), formats (jpeg, webp, avif) and quality per format. Unset: one thumbnail from `thumbnail`, at the keys a deployment had before renditions."
  type = list(object({
    name       = string
    width      = number
    height     = number
    fit        = optional(string, "inside")
    position   = optional(string)
    formats    = optional(list(string), ["jpeg"])
    quality    = optional(object({ jpeg = optional(number), webp = optional(number), avif = optional(number) }), {})
    background = optional(string, "#ffffff")
  }))
  default = null

  validation {
    condition     = var.renditions == null ? true : length(var.renditions) >= 1 && length(var.renditions) <= 16
    error_message = "renditions must hold 1 to 16 renditions (or be unset)."
  }

  validation {
    condition = var.renditions == null ? true : alltrue([
      for rendition in var.renditions : can(regex("^[a-z0-9][a-z0-9-]{0,31}$", rendition.name))
    ]) && length(distinct([for rendition in var.renditions : rendition.name])) == length(var.renditions)
    error_message = "Each rendition name must be unique, 1 to 32 characters of a-z, 0-9 and \"-\", starting with a letter or digit (it is part of every key)."
  }

  validation {
    condition = var.renditions == null ? true : alltrue(flatten([
      for rendition in var.renditions : [
        for size in [rendition.width, rendition.height] : size >= 1 && size <= 4096 && floor(size) == size
      ]
    ]))
    error_message = "Each rendition's width and height must be whole numbers from 1 to 4096."
  }

  validation {
    condition = var.renditions == null ? true : alltrue([
      for rendition in var.renditions : contains(["inside", "cover"], rendition.fit) && (
        rendition.position == null ? true : rendition.fit == "cover" && contains(["centre", "attention", "entropy"], rendition.position)
      )
    ])
    error_message = "Each rendition's fit must be inside or cover; position (centre, attention or entropy) applies only to cover."
  }

  validation {
    condition = var.renditions == null ? true : alltrue([
      for rendition in var.renditions : length(rendition.formats) >= 1 && length(distinct(rendition.formats)) == length(rendition.formats) && alltrue([
        for format in rendition.formats : contains(["jpeg", "webp", "avif"], format)
      ])
    ])
    error_message = "Each rendition's formats must be a non-empty list of jpeg, webp and avif, none named twice."
  }

  validation {
    condition = var.renditions == null ? true : alltrue(flatten([
      for rendition in var.renditions : [
        for quality in values(rendition.quality) : quality == null ? true : quality >= 1 && quality <= 100 && floor(quality) == quality
      ]
    ]))
    error_message = "Each rendition's quality per format must be a whole number from 1 to 100."
  }

  validation {
    condition = var.renditions == null ? true : alltrue([
      for rendition in var.renditions : can(regex("^#([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$", rendition.background))
    ])
    error_message = "Each rendition's background must be a hex colour such as #ffffff."
  }

  validation {
    condition = var.renditions == null ? true : alltrue([
      for setting in ["width", "height", "fit", "format", "quality", "background"] : lookup(var.thumbnail, setting, null) == null
    ])
    error_message = "renditions replaces thumbnail.width, height, fit, format, quality and background: set each rendition's own instead."
  }
}

variable "log_level" {
  description = "POWERTOOLS_LOG_LEVEL of the function: DEBUG, INFO, WARN, ERROR or SILENT."
  type        = string
  default     = "INFO"

  validation {
    condition     = contains(["DEBUG", "INFO", "WARN", "ERROR", "SILENT"], var.log_level)
    error_message = "log_level must be DEBUG, INFO, WARN, ERROR or SILENT."
  }
}

variable "source_suffixes" {
  description = "Only keys ending with one of these trigger the function (for example [\".jpg\", \".png\"]). Empty: every key, and the handler decides from the bytes, which is what it is best at."
  type        = list(string)
  default     = []

  validation {
    condition     = length(var.source_suffixes) == length(distinct(var.source_suffixes)) && alltrue([for suffix in var.source_suffixes : length(suffix) > 0])
    error_message = "source_suffixes must be distinct and non-empty."
  }
}

variable "max_retry_attempts" {
  description = "Times Lambda retries an event whose invocation failed (0 to 2) before sending it to the dead-letter queue."
  type        = number
  default     = 2

  validation {
    condition     = contains([0, 1, 2], var.max_retry_attempts)
    error_message = "max_retry_attempts must be 0, 1 or 2."
  }
}

variable "max_event_age_seconds" {
  description = "Oldest an event may be and still be tried (60 to 21600 seconds); older ones go to the dead-letter queue."
  type        = number
  default     = 21600

  validation {
    condition     = var.max_event_age_seconds >= 60 && var.max_event_age_seconds <= 21600 && floor(var.max_event_age_seconds) == var.max_event_age_seconds
    error_message = "max_event_age_seconds must be a whole number from 60 to 21600."
  }
}

variable "alarm_email" {
  description = "Address told (through an SNS topic) when the function errs or the dead-letter queue fills. Null: alarms with no notification."
  type        = string
  default     = null

  validation {
    condition     = var.alarm_email == null || can(regex("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$", var.alarm_email))
    error_message = "alarm_email must be an e-mail address."
  }
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}
