"""Runs S3 operations through boto3, for tests that check a server works with the Python SDK as users run it.

Usage: python3 boto3Client.py <endpoint> <signature version: s3v4 | s3> < operations.json

Reads a JSON list of operations from stdin and prints a JSON list of their outcomes, one each:
  {"op": "put", "key": k, "body": base64}          -> {"etag": "..."}
  {"op": "get", "key": k}                          -> {"body": base64, "etag": "..."}
  {"op": "head", "key": k}                         -> {"size": n, "etag": "..."}
  {"op": "list", "prefix": p}                      -> {"keys": [...]}
  {"op": "delete", "key": k}                       -> {}
  {"op": "upload_file", "key": k, "path": p}       -> {} (multipart above boto3's 8 MiB threshold)
  {"op": "presign", "method": "get_object" | "put_object", "key": k} -> {"url": "..."}
A refused operation gives {"error": code, "status": http status}. Credentials come from the environment.
"""

import base64
import json
import sys

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError


def run(s3, operation):
    op, key = operation["op"], operation.get("key")
    if op == "put":
        response = s3.put_object(Bucket="uploads", Key=key, Body=base64.b64decode(operation["body"]))
        return {"etag": response["ETag"]}
    if op == "get":
        response = s3.get_object(Bucket="uploads", Key=key)
        return {"body": base64.b64encode(response["Body"].read()).decode(), "etag": response["ETag"]}
    if op == "head":
        response = s3.head_object(Bucket="uploads", Key=key)
        return {"size": response["ContentLength"], "etag": response["ETag"]}
    if op == "list":
        pages = s3.get_paginator("list_objects_v2").paginate(Bucket="uploads", Prefix=operation["prefix"])
        return {"keys": [item["Key"] for page in pages for item in page.get("Contents", [])]}
    if op == "delete":
        s3.delete_object(Bucket="uploads", Key=key)
        return {}
    if op == "upload_file":
        s3.upload_file(operation["path"], "uploads", key)
        return {}
    if op == "presign":
        params = {"Bucket": "uploads", "Key": key}
        return {"url": s3.generate_presigned_url(operation["method"], Params=params, ExpiresIn=300)}
    raise ValueError(f"unknown operation {op}")


def outcome(s3, operation):
    try:
        return run(s3, operation)
    except ClientError as error:
        return {
            "error": error.response["Error"].get("Code"),
            "status": error.response["ResponseMetadata"].get("HTTPStatusCode"),
        }


def main():
    endpoint, signature_version = sys.argv[1], sys.argv[2]
    config = Config(
        signature_version=signature_version,
        s3={"addressing_style": "path"},
        retries={"max_attempts": 1},
    )
    s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1", config=config)
    print(json.dumps([outcome(s3, operation) for operation in json.load(sys.stdin)]))


if __name__ == "__main__":
    main()
