// Store: the history of evaluations in SQLite, behind intention-named operations
// (record an evaluation, read a reporting window, expire old rows).
