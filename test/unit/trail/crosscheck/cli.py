"""Runs aws-cli's own validate-logs code (validation.py, unmodified) over the trees scenarios.ts wrote, and
compares its counts, error lines and found range with TrailValidator's.

Usage: python3 cli.py <path to awscli/customizations/cloudtrail/validation.py> <dir given to scenarios.ts>
Needs botocore, python-dateutil and rsa (the CLI's own dependencies)."""
import io, json, os, sys, types, base64, contextlib
from datetime import datetime, timezone
from botocore.exceptions import ClientError

# Stubs for the awscli modules validation.py imports (not used by the traversal itself).
def stub(name, **attrs):
    module = types.ModuleType(name); module.__dict__.update(attrs); sys.modules[name] = module
class BasicCommand:
    def __init__(self, session=None): self._session = session
for name in ['awscli', 'awscli.customizations', 'awscli.customizations.cloudtrail']: stub(name)
stub('awscli.compat', get_current_datetime=lambda: datetime.now(timezone.utc))
stub('awscli.customizations.cloudtrail.utils', get_account_id_from_arn=lambda arn: arn.split(':')[4], get_trail_by_arn=None)
stub('awscli.customizations.commands', BasicCommand=BasicCommand)
stub('awscli.schema', ParameterRequiredError=Exception)
stub('awscli.utils', create_nested_client=None)
validation = types.ModuleType('validation')
VALIDATION_PY, WORK = sys.argv[1], sys.argv[2]
exec(compile(open(VALIDATION_PY).read(), 'validation.py', 'exec'), validation.__dict__)

ts = json.load(open(os.path.join(WORK, 'ts-results.json')))
BUCKET = 'clinic-connect-trail'

class Body(io.BytesIO): pass
class S3:
    def __init__(self, root): self.root = root
    def _path(self, key): return os.path.join(self.root, BUCKET, *key.split('/'))
    def get_object(self, Bucket, Key):
        path = self._path(Key)
        if not os.path.isfile(path): raise ClientError({'Error': {'Code': 'NoSuchKey', 'Message': 'The specified key does not exist.'}}, 'GetObject')
        meta_path = os.path.join(self.root, '.metadata', Bucket, *Key.split('/')) + '.json'
        meta = json.load(open(meta_path)) if os.path.exists(meta_path) else {}
        return {'Body': Body(open(path, 'rb').read()), 'Metadata': meta}
    def get_paginator(self, _):
        s3 = self
        class Pages:
            def paginate(self, Bucket, Marker, Prefix):
                keys = []
                for dirpath, _, files in os.walk(os.path.join(s3.root, Bucket)):
                    for f in files:
                        keys.append(os.path.relpath(os.path.join(dirpath, f), os.path.join(s3.root, Bucket)).replace(os.sep, '/'))
                keys = sorted(k for k in keys if k.startswith(Prefix) and k > Marker)
                class Result:
                    def search(self, _): return iter(keys)
                return Result()
        return Pages()
class Provider:
    def __init__(self, root): self.s3 = S3(root)
    def get_client(self, bucket): return self.s3
class CloudTrail:
    def list_public_keys(self, StartTime, EndTime):
        # The CLI keeps blobs base64-encoded, as ListPublicKeys sends them.
        return {'PublicKeyList': [{'Fingerprint': ts['fingerprint'], 'Value': ts['publicKey'], 'ValidityStartTime': 0, 'ValidityEndTime': 0}]}

failures = 0
for name, expected in ts['results'].items():
    command = validation.CloudTrailValidateLogs.__new__(validation.CloudTrailValidateLogs)
    validation.CloudTrailValidateLogs.__init__(command, None)
    command.trail_arn = 'arn:aws:cloudtrail:eu-west-2:111122223333:trail/clinic-connect'
    command.start_time = validation.normalize_date(validation.parse_date(ts['start']))
    command.end_time = validation.normalize_date(validation.parse_date(ts['end']))
    command.s3_bucket, command.s3_prefix, command.account_id = BUCKET, None, None
    command._source_region = 'eu-west-2'
    command.s3_client_provider = Provider(os.path.join(WORK, name))
    command.cloudtrail_client, command.organization_client = CloudTrail(), None
    command.is_verbose = False
    err, out = io.StringIO(), io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(out):
        command._call()
    cli = {
        'digests': {'valid': command._valid_digests, 'invalid': command._invalid_digests},
        'logs': {'valid': command._valid_logs, 'invalid': command._invalid_logs},
        'messages': [line for line in err.getvalue().split('\n') if line],
        'foundStart': command._found_start_time and validation.format_display_date(command._found_start_time),
        'foundEnd': command._found_end_time and validation.format_display_date(command._found_end_time),
    }
    same = cli == expected
    failures += not same
    print(f"{'SAME' if same else 'DIFFERENT'}  {name:20} digests {cli['digests']} logs {cli['logs']}")
    if not same:
        print('   cli:', json.dumps(cli)); print('   ts: ', json.dumps(expected))
sys.exit(1 if failures else 0)
