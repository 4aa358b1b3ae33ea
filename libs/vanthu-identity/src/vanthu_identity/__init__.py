"""Development identity issuer (embedded default only; Keycloak replaces it in scale mode).

It serves the same paths as a Keycloak realm (``/realms/<realm>/...``) and issues tokens of the same
shape, so services configured with its issuer URL validate Keycloak's tokens unchanged.
"""
