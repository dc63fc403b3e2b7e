"""Finding and counting over the log: filters, the CSV export, aggregates, overlaps and
unreconciled plans. The rules are in `service` (`apply_counting_rule`, `overlap_of`,
`unreconciled`); the SQL of the aggregates in `statements`; `repository` runs it and folds the
monthly counts (`models`) that PostgreSQL's triggers keep."""
