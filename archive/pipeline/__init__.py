"""The processing pipeline: one module per stage; ``stages.py`` lists them in order.

This package's own import pulls in nothing, so that its pure modules
(``keyframes``) can be used without Django.
"""
