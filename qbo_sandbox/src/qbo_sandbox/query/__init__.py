"""QBO's query language: the parser and running a query against a company."""
