"""The filter registry: one entry per kube-scheduler filter plugin, in the order of the default profile of
kube-scheduler 1.36 (``pkg/scheduler/apis/config/v1/default_plugins.go``: NodeUnschedulable, NodeName,
TaintToleration, NodeAffinity, NodePorts, NodeResourcesFit, VolumeRestrictions, NodeVolumeLimits,
VolumeBinding, VolumeZone, PodTopologySpread, InterPodAffinity, DynamicResources). The scheduler stops at a
node's first failing filter, so this order decides which reason it reports for the node.

``CHECKS`` is the one vocabulary derived from it: check name -> plugin -> failure category -> the
scheduler's wording. To add a filter, write one module with a ``Filter`` subclass and put it in
``FILTERS`` at its place in that order (see the package docstring).
"""

from __future__ import annotations

from k8s_agent.analysis.scheduling.filters.base import Check, Filter
from k8s_agent.analysis.scheduling.filters.dynamic_resources import DynamicResources
from k8s_agent.analysis.scheduling.filters.inter_pod_affinity import InterPodAffinity
from k8s_agent.analysis.scheduling.filters.node_affinity import NodeAffinity
from k8s_agent.analysis.scheduling.filters.node_name import NodeName
from k8s_agent.analysis.scheduling.filters.node_ports import NodePorts
from k8s_agent.analysis.scheduling.filters.node_resources_fit import NodeResourcesFit
from k8s_agent.analysis.scheduling.filters.node_unschedulable import NodeUnschedulable
from k8s_agent.analysis.scheduling.filters.node_volume_limits import NodeVolumeLimits
from k8s_agent.analysis.scheduling.filters.pod_topology_spread import PodTopologySpread
from k8s_agent.analysis.scheduling.filters.taint_toleration import TaintToleration
from k8s_agent.analysis.scheduling.filters.volume_binding import VolumeBinding
from k8s_agent.analysis.scheduling.filters.volume_restrictions import VolumeRestrictions
from k8s_agent.analysis.scheduling.filters.volume_zone import VolumeZone

FILTERS: tuple[type[Filter], ...] = (
    NodeUnschedulable,
    NodeName,
    TaintToleration,
    NodeAffinity,
    NodePorts,
    NodeResourcesFit,
    VolumeRestrictions,
    NodeVolumeLimits,
    VolumeBinding,
    VolumeZone,
    PodTopologySpread,
    InterPodAffinity,
    DynamicResources,
)

#: every check of every filter, in the scheduler's order
CHECKS: tuple[Check, ...] = tuple(c for f in FILTERS for c in f.checks)
#: the scheduler's plugin order (a plugin's position decides which failure the scheduler reports)
PLUGIN_ORDER: dict[str, int] = {f.plugin: i for i, f in enumerate(FILTERS)}

__all__ = ["CHECKS", "FILTERS", "PLUGIN_ORDER", "Check", "Filter"]
