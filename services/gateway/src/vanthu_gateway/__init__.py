"""The gateway (cổng API): one REST API for web and mobile front ends over the gRPC services."""
