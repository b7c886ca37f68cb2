"""Pod health score: a deterministic 0-100 number with the components that produced it. Pure: the pod, its
events and ``now`` in; the score out.

``formula`` holds every weight, bucket, cap and threshold; ``restarts`` and ``components`` compute the five
components from them; ``score`` assembles the answer; ``document`` writes the formula out for people
(``docs/health-score.md``, the route's description).
"""

from k8s_agent.analysis.health_score.formula import WEIGHTS, component_status, overall_status
from k8s_agent.analysis.health_score.restarts import go_duration
from k8s_agent.analysis.health_score.score import health_score

__all__ = ["WEIGHTS", "component_status", "go_duration", "health_score", "overall_status"]
