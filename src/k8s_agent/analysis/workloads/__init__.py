"""Workload diagnosis: why a rollout is stuck, a Job fails, a DaemonSet falls short, and what changed.

Modules: :mod:`.diagnose` (one controller: ``diagnose``, the states and their decisions; ``workload_state``,
the state from the controller object alone, for summaries), :mod:`.rollouts` (Deployment, StatefulSet,
DaemonSet), :mod:`.batch` (Job, CronJob), :mod:`.revisions` (revisions, their pods, shared helpers),
:mod:`.create_failures` (FailedCreate events, quota advice), :mod:`.changes` (what changed), :mod:`.owners` (the workload a pod belongs to, used by the namespace and cluster
analyses too), :mod:`.pods` (whether a pod fails, and why), :mod:`.daemonset` (where a DaemonSet should run),
:mod:`.template` (pod template diff), :mod:`.cron` (CronJob schedules), :mod:`.summary` (per-workload rows of
the namespace and cluster analyses). Nothing is imported here, so the namespace analysis can use
:mod:`.owners` without importing the diagnosis (which uses the namespace analysis's pod issues).
"""
