"""Workload diagnosis: why a rollout is stuck, a Job fails, a DaemonSet falls short, and what changed.

``diagnose`` (one controller, see :mod:`.diagnose`), ``workload_state`` (the state from the controller
object alone, for summaries), ``workload_of`` (the workload a pod belongs to, see :mod:`.pods`).
"""

from k8s_agent.analysis.workloads.diagnose import diagnose, job_state, workload_state
from k8s_agent.analysis.workloads.pods import OWNER_KINDS, OwnerIndex, pod_problem, workload_of

__all__ = [
    "OWNER_KINDS",
    "OwnerIndex",
    "diagnose",
    "job_state",
    "pod_problem",
    "workload_of",
    "workload_state",
]
