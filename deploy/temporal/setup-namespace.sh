#!/bin/sh
# Creates the namespace with 60 days of retention (job records stay listable 60 days) and the
# custom search attributes contact-exports filters on. Safe to run again.
set -eu
ns="${TEMPORAL_NAMESPACE:-default}"
until temporal operator cluster health --address "$TEMPORAL_ADDRESS"; do echo 'waiting for Temporal'; sleep 2; done
temporal operator namespace describe -n "$ns" --address "$TEMPORAL_ADDRESS" >/dev/null 2>&1 ||
  temporal operator namespace create -n "$ns" --retention 60d --address "$TEMPORAL_ADDRESS"
temporal operator namespace update -n "$ns" --retention 60d --address "$TEMPORAL_ADDRESS"
for name in ExportName ExportStatus DestinationType ExportOwner ExportSchedule; do
  temporal operator search-attribute create -n "$ns" --name "$name" --type Keyword --address "$TEMPORAL_ADDRESS" || true
done
echo "namespace $ns ready"
