from .lidar_metric import LiDAR
from .rankme_metric import RankMe

__all__ = ['LiDAR', 'RankMe']
