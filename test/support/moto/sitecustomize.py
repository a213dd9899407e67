"""Loaded by Python at start-up when this folder is on PYTHONPATH; the tests put it there for moto_server.
It corrects three moto 5 behaviours that differ from AWS in ways the tests depend on.

1. Lambda versions are immutable on AWS: a published version keeps the image it was published with.
moto copies the function shallowly when it publishes a version, so the version shares its code with
$LATEST, and a later UpdateFunctionCode changes what GetFunction reports for every version. Here each
published version gets a code record of its own.

2. S3 bucket policies: makes moto evaluate the `Bool` conditions of S3 bucket policies as S3 does, so that
the stacks' TLS-only policy (Deny s3:* when aws:SecureTransport is "false") behaves in tests as on AWS:
requests over HTTPS are served and plaintext ones refused. moto itself knows no request context for bucket
policies (aws:SecureTransport is never set) and treats every `Bool` condition as met, so that policy refuses
every object request. Statements with other conditions are left to moto, as before.

3. CloudFront: a cache behaviour may target an origin group (AWS's failover), but moto accepts only an
origin's ID there and refuses the distribution with NoSuchOrigin. Here a target that names one of the
distribution's origin groups is accepted, and kept as given.
"""

import json

try:
    from moto.awslambda import models as lambda_models
    from moto.cloudfront import models as cloudfront_models
    from moto.iam import access_control
    from moto.s3 import models as s3_models
except ImportError:  # not a moto process
    access_control = None
    cloudfront_models = None
    lambda_models = None


if lambda_models is not None:
    _publish_version = lambda_models.LambdaStorage.publish_version

    def publish_version(self, *args, **kwargs):
        version = _publish_version(self, *args, **kwargs)
        if version is not None:
            version.code = dict(version.code)
        return version

    lambda_models.LambdaStorage.publish_version = publish_version


def _bool_conditions_met(condition, context):
    """True or False for a Condition made only of Bool / BoolIfExists tests; None for anything else."""
    for operator, tests in condition.items():
        if operator not in ("Bool", "BoolIfExists"):
            return None
        for key, expected in tests.items():
            actual = context.get(key)
            if actual is None:
                if operator == "BoolIfExists":
                    continue
                return False
            values = expected if isinstance(expected, list) else [expected]
            allowed = [str(value).lower() for value in values]
            if actual not in allowed:
                return False
    return True


def _request_context():
    try:
        from flask import request

        return {"aws:SecureTransport": "true" if request.is_secure else "false"}
    except Exception:  # outside a request (moto used as a library)
        return {}


if access_control is not None:

    def get_permission(self, action, resource):
        if self.policy is None:
            return access_control.PermissionResult.NEUTRAL
        document = json.loads(self.policy.decode())
        declared = document["Statement"]
        statements = declared if isinstance(declared, list) else [declared]
        context = _request_context()
        applicable = []
        for statement in statements:
            met = _bool_conditions_met(statement["Condition"], context) if "Condition" in statement else True
            if met is None:
                applicable.append(statement)
            elif met:
                applicable.append({name: part for name, part in statement.items() if name != "Condition"})
        if not applicable:
            return access_control.PermissionResult.NEUTRAL
        policy = access_control.IAMPolicy(json.dumps({**document, "Statement": applicable}))
        return policy.is_action_permitted(action, resource)

    s3_models.FakeBucket.get_permission = get_permission


if cloudfront_models is not None:
    _distribution_config_init = cloudfront_models.DistributionConfig.__init__

    def distribution_config_init(self, config):
        behaviour = config.get("DefaultCacheBehavior") or {}
        groups = (config.get("OriginGroups") or {}).get("Items") or []
        target = behaviour.get("TargetOriginId")
        origins = (config.get("Origins") or {}).get("Items") or []
        if target not in [group.get("Id") for group in groups] or not origins:
            _distribution_config_init(self, config)
            return
        behaviour["TargetOriginId"] = origins[0]["Id"]
        _distribution_config_init(self, config)
        behaviour["TargetOriginId"] = target
        self.DefaultCacheBehavior.target_origin_id = target

    cloudfront_models.DistributionConfig.__init__ = distribution_config_init
