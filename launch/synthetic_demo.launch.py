"""Try visualbackprop without a car: the synthetic drive as a camera, the node, and RViz.

  ros2 launch visualbackprop synthetic_demo.launch.py
  ros2 launch visualbackprop synthetic_demo.launch.py rate_hz:=15.0 width:=320 height:=240 rviz:=false

The camera publishes /camera/image_raw (sensor_msgs/Image, rgb8) and /camera/curvature (the
ground truth, std_msgs/Float32); compare the latter with /visualbackprop/camera/steering.
"""
import os

from ament_index_python.packages import get_package_share_directory
from launch import LaunchDescription
from launch.actions import DeclareLaunchArgument, IncludeLaunchDescription
from launch.launch_description_sources import PythonLaunchDescriptionSource
from launch.substitutions import LaunchConfiguration
from launch_ros.actions import Node
from launch_ros.parameter_descriptions import ParameterValue


def generate_launch_description():
    share = get_package_share_directory('visualbackprop')
    camera = Node(
        package='visualbackprop',
        executable='synthetic_camera',
        name='synthetic_camera',
        namespace='camera',
        parameters=[{
            'seed': ParameterValue(LaunchConfiguration('seed'), value_type=int),
            'width': ParameterValue(LaunchConfiguration('width'), value_type=int),
            'height': ParameterValue(LaunchConfiguration('height'), value_type=int),
            'rate_hz': ParameterValue(LaunchConfiguration('rate_hz'), value_type=float),
        }],
        output='screen',
        emulate_tty=True,
    )
    node = IncludeLaunchDescription(
        PythonLaunchDescriptionSource(os.path.join(share, 'launch', 'visualbackprop.launch.py')),
        launch_arguments={
            'camera_topic': '/camera/image_raw',
            'model': LaunchConfiguration('model'),
            'rviz': LaunchConfiguration('rviz'),
        }.items(),
    )
    return LaunchDescription([
        DeclareLaunchArgument('seed', default_value='1000001', description='Drive seed (default: one the model never saw)'),
        DeclareLaunchArgument('width', default_value='640', description='Image width, pixels'),
        DeclareLaunchArgument('height', default_value='480', description='Image height, pixels'),
        DeclareLaunchArgument('rate_hz', default_value='30.0', description='Frames per second'),
        DeclareLaunchArgument('model', default_value='', description='ONNX steering model; empty: the shipped PilotNet'),
        DeclareLaunchArgument('rviz', default_value='true', description='Open RViz with camera, mask and overlay'),
        camera,
        node,
    ])
