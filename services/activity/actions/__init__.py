""" "You said, we did" actions listed and followed up on their own (`GET /actions`,
`PATCH /actions/{id}`): each stays part of its activity (`activities`)."""
