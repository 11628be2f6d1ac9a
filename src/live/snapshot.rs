//! Live objects from a `kubectl get -o yaml|json` dump.
