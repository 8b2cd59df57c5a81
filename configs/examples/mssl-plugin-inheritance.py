# A config in your own project that inherits the packaged recipe through `mssl_plugin::`
# (works once the plugin is installed, from a wheel or editable; train it with
# `mssl-train` or `python -m mssl_plugin.cli.train`, which import the plugin before
# reading the config: mmengine resolves `_base_` before `custom_imports`).
_base_ = 'mssl_plugin::matrix_ssl/matrix-ssl_resnet50_8xb128-coslr-100e_in1k.py'

# e.g. half the alignment weight
model = dict(head=dict(loss=dict(gamma=0.5)))
