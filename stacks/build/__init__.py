"""The program builder: a resolved `Deployment` -> the components that deploy it, one module per
mode family (`bedrock`, `kubernetes`) and the pieces they share.
"""
