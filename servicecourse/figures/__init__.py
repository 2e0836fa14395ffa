"""Figures the chapters draw at build time: one module per chapter, one function per figure."""
