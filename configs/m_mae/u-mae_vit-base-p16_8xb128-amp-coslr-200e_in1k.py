# U-MAE as the special case of M-MAE: the squared-similarity uniformity regulariser
# mean((f f^T)^2) on the normalised CLS features (U-MAE: ViT-B, 200 epochs).
_base_ = './m-mae_vit-base-p16_8xb128-amp-coslr-200e_in1k.py'

model = dict(uniformity_head=dict(loss=dict(reg='square', loss_weight=1e-2)))
