"""Each message rule of the event classification, stated in full: for a real event of each shape (kubelet,
controller, admission and registry wording), the category, severity, every cause in order, the action and
the topic that says which part of the pod's state explains it further."""

from __future__ import annotations

import pytest

from builders.status import status_event
from k8s_agent.analysis.failure_events import classify_event
from k8s_agent.analysis.failure_events.rules import Classification

GENERIC = "Check event message for details"
INVESTIGATE = "Investigate based on event message"
NO_ACTION = "No action needed"
PULL_CAUSES = ("Image not found", "Registry authentication failure", "Network issues")
PULL_ACTION = "Verify image name and registry credentials"
PULL_SECRETS_ACTION = "Check image availability and pull secrets"
CONFIG_ACTION = (
    "Create the missing Secret/ConfigMap/key or fix the container's env, envFrom and volume references"
)
START_ACTION = "Fix the container command/args or the image, then check the runtime error in the message"
RUNTIME = "Container runtime error"
PROBE_ACTION = "Review probe configuration and application health endpoints"
EVICT_CAUSES = ("Node pressure", "Resource limits", "Priority preemption")
EVICT_ACTION = "Check node resources and pod priority settings"
MOUNT_ACTION = "Verify volume is properly provisioned and accessible"
SCHED_CAUSES = ("Insufficient resources", "Node selector mismatch", "Affinity rules", "Taints not tolerated")
SCHED_ACTION = "Check node resources and scheduling constraints"
QUOTA_ACTION = "Raise the ResourceQuota or set/lower requests and limits in the pod template"
ADMISSION = (
    ("Pod creation rejected (admission webhook, PodSecurity, or invalid template)",),
    "Read the message for the rejecting admission plugin and fix the pod template",
)


def classify(reason: str, message: str, type_: str = "Warning", count: int | None = None) -> Classification:
    return classify_event(status_event(reason, message, type_=type_, count=count))


def rule(category, severity, causes, action, topic=""):
    return Classification(category, severity, tuple(causes), action, topic)


# ------------------------------------------------------------------------------------------ Failed
PULL = 'Failed to pull image "registry.local/app:v1": rpc error: code = Unknown desc = '


@pytest.mark.parametrize(
    ("message", "causes"),
    [
        # one sentence of a pull error: each of the words the rule reads, alone in its message
        ("Error: InvalidImageName", ["Invalid image name"]),
        (
            'Failed to pull image "Nginx:v1": rpc error: code = InvalidArgument desc = failed to pull and unpack'
            ' image "Nginx:v1": invalid reference format: repository name must be lowercase',
            ["Invalid image name"],
        ),
        (
            'Failed to pull image "": couldn\'t parse image name "": repository name must have at least one'
            " component",
            ["Invalid image name"],
        ),
        (
            PULL
            + 'failed to pull and unpack image "docker.io/library/nginx:nope": failed to resolve reference'
            ' "docker.io/library/nginx:nope": docker.io/library/nginx:nope: not found',
            ["Image or tag not found in the registry"],
        ),
        (PULL + "Error response from daemon: manifest unknown", ["Image or tag not found in the registry"]),
        (
            PULL + "Error response from daemon: pull access denied for app, repository does not exist or may"
            " require 'docker login'",
            [
                "Image or tag not found in the registry",
                "Registry authentication failure (missing or wrong imagePullSecrets)",
            ],
        ),
        (
            PULL + 'Error response from daemon: Head "https://registry-1.docker.io/v2/org/app/manifests/v1":'
            " unauthorized: incorrect username or password",
            ["Registry authentication failure (missing or wrong imagePullSecrets)"],
        ),
        (
            PULL + 'failed to pull and unpack image "quay.io/org/app:v1": failed to resolve reference'
            ' "quay.io/org/app:v1": failed to fetch oauth token: authentication required',
            ["Registry authentication failure (missing or wrong imagePullSecrets)"],
        ),
        (
            PULL + 'failed to resolve reference "europe-docker.pkg.dev/p/r/app:v1": failed to authorize:'
            ' Permission "artifactregistry.repositories.downloadArtifacts" denied on resource',
            ["Registry authentication failure (missing or wrong imagePullSecrets)"],
        ),
        (
            PULL
            + 'failed to resolve reference "gcr.io/p/app:v1": pulling from host gcr.io failed with status'
            " code [manifests v1]: 403 Forbidden",
            ["Registry authentication failure (missing or wrong imagePullSecrets)"],
        ),
        (
            PULL
            + "GET https://registry.local/v2/app/manifests/v1: unexpected status code 401 (HEAD responses"
            " have no body, use GET for details)",
            ["Registry authentication failure (missing or wrong imagePullSecrets)"],
        ),
        (
            PULL + "failed to copy: httpReadSeeker: failed open: unexpected status code"
            " https://registry-1.docker.io/v2/library/nginx/manifests/sha256:ab12: 429 Too Many Requests -"
            " Server message: toomanyrequests: Too Many Requests",
            ["Registry rate limit reached"],
        ),
        (
            PULL + "failed to copy: 429 Too Many Requests - Server message: pull rate limit exceeded",
            ["Registry rate limit reached"],
        ),
        (
            PULL + "lookup registry.local on 10.96.0.10:53: no such host",
            ["Registry unreachable from the node (DNS, network, proxy or TLS)"],
        ),
        (
            PULL + 'failed to do request: Head "https://registry.local/v2/app/manifests/v1": dial tcp'
            " 10.0.0.5:443: connect: no route to host",
            ["Registry unreachable from the node (DNS, network, proxy or TLS)"],
        ),
        (
            PULL + "read tcp 10.0.0.4:51234->10.0.0.5:443: read: i/o timeout",
            ["Registry unreachable from the node (DNS, network, proxy or TLS)"],
        ),
        (
            PULL + "dial unix /run/containerd/containerd.sock: connect: connection refused",
            ["Registry unreachable from the node (DNS, network, proxy or TLS)"],
        ),
        (
            PULL + 'Get "https://registry.local/v2/": net/http: TLS handshake timeout',
            ["Registry unreachable from the node (DNS, network, proxy or TLS)"],
        ),
        (
            PULL + 'Get "https://registry.local/v2/": tls: failed to verify certificate: x509: certificate'
            " signed by unknown authority",
            ["Registry unreachable from the node (DNS, network, proxy or TLS)"],
        ),
        (
            PULL + "failed to copy: failed size validation: 1048576 != 2097152: failed precondition",
            ["Image download interrupted or corrupted (or the node's disk is full)"],
        ),
        (
            PULL + "failed to extract layer sha256:ab12: unexpected EOF",
            ["Image download interrupted or corrupted (or the node's disk is full)"],
        ),
        (
            PULL + "failed to copy: short read: expected 28311552 bytes but got 1048576",
            ["Image download interrupted or corrupted (or the node's disk is full)"],
        ),
        (
            PULL
            + "failed to extract layer sha256:ab12: write /var/lib/containerd/tmp: no space left on device",
            ["Image download interrupted or corrupted (or the node's disk is full)"],
        ),
    ],
)
def test_pull_error_causes_are_read_off_the_message(message, causes):
    assert classify("Failed", message) == rule("ImagePull", "critical", causes, PULL_ACTION, "pull")


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        # the kubelet's own pull errors: ErrImagePull asks to check the pull secrets too
        ("Error: ErrImagePull", rule("ImagePull", "critical", PULL_CAUSES, PULL_SECRETS_ACTION, "pull")),
        ("Error: ImagePullBackOff", rule("ImagePull", "critical", PULL_CAUSES, PULL_ACTION, "pull")),
        (
            'Failed to inspect image "registry.local/app:v1": rpc error: code = Unknown desc = image inspect'
            " failed",
            rule("ImagePull", "critical", PULL_CAUSES, PULL_ACTION, "pull"),
        ),
        # configuration errors: the container never ran, the missing object is named
        (
            'Error: secret "db-password" not found',
            rule(
                "Other",
                "critical",
                ['Secret "db-password" does not exist in the namespace'],
                CONFIG_ACTION,
                "config",
            ),
        ),
        (
            'Error: configmap "app-config" not found',
            rule(
                "Other",
                "critical",
                ['ConfigMap "app-config" does not exist in the namespace'],
                CONFIG_ACTION,
                "config",
            ),
        ),
        (
            "Error: couldn't find key password in Secret shop/db",
            rule(
                "Other", "critical", ["Key password is missing from Secret shop/db"], CONFIG_ACTION, "config"
            ),
        ),
        (
            'Error: container has runAsNonRoot and image will run as root (pod: "web-1_shop(uid-1)",'
            " container: app)",
            rule(
                "Other",
                "critical",
                ["runAsNonRoot is set but the image runs as root"],
                CONFIG_ACTION,
                "config",
            ),
        ),
        (
            "Error: failed to sync secret cache: timed out waiting for the condition",
            rule(
                "Other",
                "critical",
                ["Referenced Secret, ConfigMap or key does not exist", "Invalid container configuration"],
                CONFIG_ACTION,
                "config",
            ),
        ),
        # container creation failures
        (
            "Error: failed to create containerd task: failed to create shim task: OCI runtime create failed:"
            ' runc create failed: unable to start container process: exec: "wge": executable file not found in'
            " $PATH: unknown",
            rule(
                "ContainerCrash",
                "critical",
                ["Command or entrypoint not found in the image", RUNTIME],
                START_ACTION,
                "crash",
            ),
        ),
        (
            'Error: failed to start container "app": Error response from daemon: OCI runtime create failed:'
            ' starting container process caused: exec: "/docker-entrypoint.sh": stat /docker-entrypoint.sh: no'
            " such file or directory: unknown",
            rule(
                "ContainerCrash",
                "critical",
                ["Command or entrypoint not found in the image", RUNTIME],
                START_ACTION,
                "crash",
            ),
        ),
        (
            "Error: failed to create containerd task: failed to create shim task: OCI runtime create failed:"
            ' runc create failed: unable to start container process: exec: "/app/run.sh": permission denied:'
            " unknown",
            rule(
                "ContainerCrash",
                "critical",
                ["Command or entrypoint not executable (permission denied)", RUNTIME],
                START_ACTION,
                "crash",
            ),
        ),
        (
            "Error: context deadline exceeded",
            rule(
                "ContainerCrash",
                "critical",
                ["Command or entrypoint not found or not executable in the image", RUNTIME],
                START_ACTION,
                "crash",
            ),
        ),
        # runtime errors without the kubelet's "Error:" prefix
        (
            "OCI runtime start failed: cannot start a container that has stopped: unknown",
            rule(
                "ContainerCrash",
                "critical",
                ["Command or entrypoint not found or not executable in the image", RUNTIME],
                START_ACTION,
                "crash",
            ),
        ),
        (
            "failed to create containerd task: failed to create shim task: context deadline exceeded: unknown",
            rule(
                "ContainerCrash",
                "critical",
                ["Command or entrypoint not found or not executable in the image", RUNTIME],
                START_ACTION,
                "crash",
            ),
        ),
        # anything else a Failed event says: a warning to read
        (
            "error making pod data directories: mkdir /var/lib/kubelet/pods/uid-1: read-only file system",
            rule("Other", "warning", [GENERIC], INVESTIGATE),
        ),
    ],
)
def test_failed_events(message, expected):
    assert classify("Failed", message) == expected


# ------------------------------------------------------------------------------------------ volumes
@pytest.mark.parametrize(
    ("reason", "message", "expected"),
    [
        (
            "FailedMount",
            'MountVolume.SetUp failed for volume "kube-api-access-8knw6" : configmap "kube-root-ca.crt" not'
            " found",
            rule(
                "Volume",
                "warning",
                ["kube-root-ca.crt ConfigMap not yet published to the namespace (usually transient)"],
                "Wait a few seconds; if it persists check kube-controller-manager's root-ca-cert-publisher",
            ),
        ),
        (
            "FailedMount",
            'MountVolume.SetUp failed for volume "cfg" : configmap "app" not found',
            rule(
                "Volume",
                "critical",
                ['ConfigMap "app" used as a volume does not exist'],
                "Create the ConfigMap or mark the volume optional",
            ),
        ),
        (
            "FailedMount",
            'MountVolume.SetUp failed for volume "tls" : secret "web-tls" not found',
            rule(
                "Volume",
                "critical",
                ['Secret "web-tls" used as a volume does not exist'],
                "Create the Secret or mark the volume optional",
            ),
        ),
        (
            "FailedMount",
            'MountVolume.SetUp failed for volume "data" : hostPath type check failed: /mnt/data is not a'
            " directory",
            rule(
                "Volume",
                "critical",
                ["hostPath does not exist on the node or has the wrong type"],
                "Create the path on the node or fix the hostPath type",
            ),
        ),
        # the kubelet's mount timeouts, in the wording of each release
        *(
            (
                "FailedMount",
                message,
                rule(
                    "Volume",
                    "critical",
                    [
                        "Volume could not be attached or mounted in time",
                        "Missing or unbound PersistentVolumeClaim",
                        "Storage backend slow or unavailable",
                    ],
                    MOUNT_ACTION,
                ),
            )
            for message in (
                'Unable to mount volumes for pod "web-1_shop(uid-1)": timed out waiting for the condition',
                "Unable to attach or mount volumes: unmounted volumes=[data], unattached volumes=[], failed to"
                " process volumes=[]: timed out waiting for the condition",
                "Unable to attach or mount volumes: unmounted volumes=[data], unattached volumes=[], failed to"
                " process volumes=[]: context deadline exceeded",
            )
        ),
        (
            "FailedMount",
            'MountVolume.MountDevice failed for volume "pvc-1" : rpc error: code = Internal desc = mount'
            " failed: exit status 32",
            rule(
                "Volume",
                "critical",
                ["Volume not ready", "Mount permissions", "Filesystem issues"],
                MOUNT_ACTION,
            ),
        ),
        (
            "FailedAttachVolume",
            'Multi-Attach error for volume "pvc-0a1b" Volume is already exclusively attached to one node and'
            " can't be attached to another",
            rule(
                "Volume",
                "critical",
                ["ReadWriteOnce volume is still attached to another node"],
                "Wait for the old node to detach it, or remove the stale pod/VolumeAttachment",
            ),
        ),
        (
            "FailedAttachVolume",
            'AttachVolume.Attach failed for volume "pvc-1" : rpc error: code = Internal desc = Could not attach'
            ' volume "vol-1" to node "i-1": timeout',
            rule(
                "Volume",
                "critical",
                ["Volume already attached", "Volume not found", "Zone mismatch"],
                "Check volume status and node availability zones",
            ),
        ),
    ],
)
def test_volume_events(reason, message, expected):
    assert classify(reason, message) == expected


# ------------------------------------------------------------------------------------------ probes, back-off
@pytest.mark.parametrize(
    ("message", "causes"),
    [
        (
            'Liveness probe failed: Get "http://10.0.0.5:8080/healthz": dial tcp 10.0.0.5:8080: connect:'
            " connection refused",
            [
                "Liveness probe failure: the container will be restarted",
                "Application not listening on the probed port",
            ],
        ),
        (
            'Readiness probe failed: Get "http://10.0.0.5:8080/ready": net/http: request canceled'
            " (Client.Timeout exceeded while awaiting headers)",
            [
                "Readiness probe failure: the pod is removed from Service endpoints",
                "Application too slow to answer the probe",
            ],
        ),
        (
            'Liveness probe failed: command "/bin/check" timed out',
            [
                "Liveness probe failure: the container will be restarted",
                "Application too slow to answer the probe",
            ],
        ),
        (
            'Readiness probe failed: Get "http://10.0.0.5:8080/ready": context deadline exceeded',
            [
                "Readiness probe failure: the pod is removed from Service endpoints",
                "Application too slow to answer the probe",
            ],
        ),
        (
            "Startup probe failed: HTTP probe failed with statuscode: 503",
            [
                "Startup probe failure: the application starts slower than the probe allows",
                "Health endpoint returned an error status",
            ],
        ),
        (
            "Readiness probe failed: cat: can't open '/tmp/ready': No such file or directory",
            [
                "Readiness probe failure: the pod is removed from Service endpoints",
                "Application not responding",
            ],
        ),
        # a message that names no probe: either kind
        (
            "Health check failed: EOF",
            ["Liveness probe failure", "Readiness probe failure", "Application not responding"],
        ),
    ],
)
def test_unhealthy_causes(message, causes):
    assert classify("Unhealthy", message) == rule("Probe", "warning", causes, PROBE_ACTION, "probe")


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        (
            "Container app failed liveness probe, will be restarted",
            rule(
                "Probe",
                "warning",
                ["Liveness probe failure: the container is restarted", "Application not responding"],
                PROBE_ACTION,
                "probe",
            ),
        ),
        (
            "Container app failed startup probe, will be restarted",
            rule(
                "Probe",
                "warning",
                [
                    "Startup probe failure: the container is restarted",
                    "Application starts slower than the startup probe allows",
                ],
                PROBE_ACTION,
                "probe",
            ),
        ),
        ("Stopping container app", rule("Other", "info", [], NO_ACTION)),
    ],
)
def test_killing(message, expected):
    assert classify("Killing", message, "Normal") == expected


def test_back_off_by_message():
    assert classify("BackOff", 'Back-off pulling image "nginx:nope"', "Normal") == rule(
        "ImagePull", "warning", PULL_CAUSES, PULL_ACTION, "pull"
    )
    assert classify("BackOff", "Back-off restarting failed container app in pod web-1_shop(uid-1)") == rule(
        "ContainerCrash",
        "critical",
        ["Application crash", "Missing dependencies", "Configuration error"],
        "Examine container logs and fix application startup issues",
        "crash",
    )


# ------------------------------------------------------------------------------------------ admission
CREATING = 'Error creating: pods "web-1" is forbidden: '


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        (
            CREATING + "exceeded quota: q1, requested: cpu=1, used: cpu=4, limited: cpu=4",
            rule("Resource", "critical", ["ResourceQuota q1 exceeded"], QUOTA_ACTION),
        ),
        (
            CREATING + "failed quota: compute-resources: must specify limits.cpu,limits.memory",
            rule(
                "Resource",
                "critical",
                ["ResourceQuota compute-resources requires limits.cpu,limits.memory on every container"],
                QUOTA_ACTION,
            ),
        ),
        (
            CREATING + "status unknown for quota: q1, resources: cpu",
            rule("Resource", "critical", ["Namespace ResourceQuota exceeded"], QUOTA_ACTION),
        ),
        # each of the LimitRanger plugin's rejections: a minimum or maximum per Container or Pod, a ratio
        *(
            (
                CREATING + text,
                rule(
                    "Resource",
                    "critical",
                    ["LimitRange rejected the pod"],
                    "Fix the pod template's resources",
                ),
            )
            for text in (
                "maximum cpu usage per Container is 2, but limit is 4",
                "minimum memory usage per Container is 64Mi, but request is 32Mi",
                "maximum memory usage per Pod is 1Gi, but limit is 2Gi",
                "cpu max limit to request ratio per Container is 2, but provided ratio is 4.000000",
                "[minimum memory usage per Container is 64Mi.  No request is specified]",
            )
        ),
        # a LimitRange named in another admission error
        (
            'Error creating: Internal error occurred: failed to apply LimitRange "defaults" to pod "web-1"',
            rule("Resource", "critical", ["LimitRange rejected the pod"], "Fix the pod template's resources"),
        ),
        (
            CREATING + 'violates PodSecurity "restricted:latest": allowPrivilegeEscalation != false',
            rule("Other", "critical", *ADMISSION),
        ),
        # "maximum" in a webhook's own words is not the LimitRanger's
        (
            'Error creating: admission webhook "policy.example.com" denied the request: maximum of 3 replicas'
            " per container image",
            rule("Other", "critical", *ADMISSION),
        ),
    ],
)
def test_failed_create(message, expected):
    assert classify("FailedCreate", message) == expected


# ------------------------------------------------------------------------------------------ eviction
@pytest.mark.parametrize(
    ("message", "first"),
    [
        (
            "The node was low on resource: memory. Threshold quantity: 100Mi, available: 26444Ki. Container app"
            " was using 1200Mi, request is 0, has larger consumption of memory. ",
            ["Node was low on memory"],
        ),
        ("The node had condition: [DiskPressure]. ", ["Node had condition DiskPressure"]),
        ("The node was low on resource: [DiskPressure]. ", ["Node had condition DiskPressure"]),
        (
            'Container app exceeded its local ephemeral storage limit "1Gi". ',
            ["Container exceeded its ephemeral-storage limit"],
        ),
        (
            "Pod ephemeral local storage usage exceeds the total limit of containers 2Gi. ",
            ["Container exceeded its ephemeral-storage limit"],
        ),
        (
            'Usage of EmptyDir volume "cache" exceeds the limit "1Gi". ',
            ["emptyDir volume exceeded its sizeLimit"],
        ),
        # a container named after emptyDir does not make its own limit an emptyDir's
        (
            'Container emptydir-writer exceeded its local ephemeral storage limit "1Gi". ',
            ["Container exceeded its ephemeral-storage limit"],
        ),
        ("Pod was evicted", []),
    ],
)
def test_evicted(message, first):
    assert classify("Evicted", message) == rule(
        "Resource", "critical", [*first, *EVICT_CAUSES], EVICT_ACTION, "evict"
    )


# ------------------------------------------------------------------------------------------ scheduling
def _summary_of(length: int) -> str:
    """A scheduler summary of exactly ``length`` characters (a long taint value fills it)."""
    head = "0/5 nodes are available: 5 node(s) had untolerated taint {dedicated: "
    return head + "x" * (length - len(head) - 1) + "}"


def test_scheduler_summary_first():
    c = classify("FailedScheduling", "0/3 nodes are available: 3 Insufficient cpu.")
    assert c == rule(
        "Scheduling",
        "critical",
        ["Scheduler: 0/3 nodes are available: 3 Insufficient cpu", *SCHED_CAUSES],
        SCHED_ACTION,
    )
    # up to 240 characters the summary is whole; longer, it is cut to 237 and "..."
    exact = _summary_of(240)
    assert classify("FailedScheduling", exact + ".").causes[0] == "Scheduler: " + exact
    longer = _summary_of(241)
    assert classify("FailedScheduling", longer + ".").causes[0] == "Scheduler: " + longer[:237] + "..."
    assert classify("FailedScheduling", "no nodes available to schedule pods") == rule(
        "Scheduling", "critical", SCHED_CAUSES, SCHED_ACTION
    )


# ------------------------------------------------------------------------------------------ reasons
def test_taint_manager_eviction():
    assert classify("TaintManagerEviction", "Marking for deletion Pod default/web-1", "Normal") == rule(
        "Other",
        "warning",
        ["Node has a NoExecute taint the pod does not tolerate (node not ready, unreachable or drained)"],
        "Check the node's taints and conditions",
        "node",
    )
    assert classify("TaintManagerEviction", "Cancelling deletion of Pod default/web-1", "Normal") == rule(
        "Other", "info", [], NO_ACTION
    )


def test_out_of_resource_rejection():
    kubelet_action = "Lower the pod's requests or add capacity; check for pods started outside the scheduler"
    assert classify(
        "OutOfcpu", "Node didn't have enough resource: cpu, requested: 500, used: 3800, capacity: 4000"
    ) == rule(
        "Resource", "critical", ["Kubelet rejected the pod: node did not have enough cpu"], kubelet_action
    )
    # a reason naming no resource
    assert classify("OutOf", "Pod was rejected") == rule(
        "Resource",
        "critical",
        ["Kubelet rejected the pod: node did not have enough resources"],
        kubelet_action,
    )


def test_unknown_reasons_by_type_and_count():
    # a Normal event of a reason the rules do not know is routine, until it repeats 5 times
    assert classify("CustomRetry", "retrying", "Normal") == rule("Other", "info", [], NO_ACTION)
    assert classify("CustomRetry", "retrying", "Normal", count=5) == rule(
        "Other", "warning", ["Event repeated 5 times", GENERIC], INVESTIGATE
    )
    # a Warning event of an unknown reason is a warning, its category guessed from the reason's words
    assert classify("FailedToMountSomething", "boom") == rule("Volume", "warning", [GENERIC], INVESTIGATE)
    # a repeated sandbox change is a warning of its own
    assert classify(
        "SandboxChanged", "Pod sandbox changed, it will be killed and re-created.", "Normal", count=5
    ) == rule(
        "Network",
        "warning",
        ["Pod sandbox keeps being re-created (network plugin, runtime or cgroup problems)"],
        "Check the CNI plugin and container runtime logs on the node",
    )


def test_warning_events_are_at_least_warnings_unless_routine():
    # a rule that reads the message as routine is raised to a warning when the event is a Warning
    # (keeping the rule's action), however often it repeats
    raised = rule("Other", "warning", [GENERIC], NO_ACTION)
    assert classify("TaintManagerEviction", "Cancelling deletion of Pod default/web-1") == raised
    assert classify("TaintManagerEviction", "Cancelling deletion of Pod default/web-1", count=5) == raised
    # routine reasons stay routine whatever their type and count
    assert classify("Killing", "Stopping container app", count=5) == rule("Other", "info", [], NO_ACTION)
    assert classify("Pulled", 'Container image "nginx:1.27" already present on machine') == rule(
        "ImagePull", "info", [], NO_ACTION
    )
