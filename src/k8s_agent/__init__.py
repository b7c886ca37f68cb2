"""k8s-cluster-agent: a read-only, in-cluster Kubernetes diagnosis service."""

__version__ = "0.1.0"
