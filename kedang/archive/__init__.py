"""The archive layer: the cross-cutting rules every app goes through, decided in one place.

Public interface (import the submodules; this package imports nothing at load time, so models may use it):

- `visibility`: who may see a customer — `customers_visible_to(user)`, `customer_for_read(user, id)`,
  `customer_for_write(user, id)`, `vehicles_visible_to(user)`, `vehicle_for_read(user, id)`,
  `require_write(user)`, `visibility_q(user, …)` (the data scope R-G2 plus access grants).
  Outsiders get 404, the same answer as for a customer that does not exist.
- `softdelete`: the manager that leaves deleted rows out (`Customer.live`, `Vehicle.live`).
- `timeline`: `record_add(...)` and `records_add(...)` — the only ways onto a customer's timeline (R-A4).
- `masking`: what each role sees of phones and ID numbers (R-G7), for values, rows and free text.
- `output`: `output_logged(...)` — every list, export, PDF, feed and zip that leaves the server is logged in
  ExportLog and the access log in one transaction (R-G6, R-I2).
- `hooks`: what customers hand on to governance without knowing it — a filed archive's change proposed
  for approval (`change_propose`), a deletion put in the recycle bin (`bin_put`); governance registers.

The archive knows no screen: nothing here imports views, templates, forms or `kedang.web`
(an import-linter contract in `make test`)."""
